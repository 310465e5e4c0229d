package dev.outflow.testkit.kafka;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import dev.outflow.broker.EmbeddedBroker;

/** Where the test cluster runs: an external cluster, a container, or a broker in this JVM. */
sealed interface ClusterBackend extends AutoCloseable {
    String bootstrapServers();

    String kind();

    @Override
    void close();

    /** Chooses the backend: external address, else Docker, else embedded. */
    static ClusterBackend select() {
        String external = setting(KafkaTestCluster.BOOTSTRAP_SERVERS);
        if (external != null) {
            return new External(external);
        }
        String forced = setting(KafkaTestCluster.MODE);
        if (!"embedded".equalsIgnoreCase(forced) && ("container".equalsIgnoreCase(forced) || dockerAvailable())) {
            return Container.start();
        }
        return Embedded.start();
    }

    /** System property first, then the environment; blank counts as unset. */
    static String setting(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            v = System.getenv(name);
        }
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static boolean dockerAvailable() {
        if (!dockerMayExist()) {
            // Skips Testcontainers' probe, which logs an ERROR and costs seconds when nothing is there.
            notUsed("no Docker socket, DOCKER_HOST or ~/.testcontainers.properties found");
            return false;
        }
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) return true;
            notUsed("Testcontainers found no usable Docker engine (an engine it cannot talk to, e.g. an API version"
                    + " it does not speak, reads as none; its own log above says more)");
            return false;
        } catch (Throwable t) {
            // Any failure (no socket, missing classes, odd environments) means "no Docker", said once.
            notUsed("probing Docker failed: " + t);
            return false;
        }
    }

    /** Says once per JVM why the tests run on the in-process broker instead of a container. */
    private static void notUsed(String why) {
        org.slf4j.LoggerFactory.getLogger(ClusterBackend.class).info(
                "Kafka for tests: Testcontainers not used (" + why + "); starting the in-process KRaft broker");
    }

    /** Cheap look for any sign of a Docker engine Testcontainers could use. */
    private static boolean dockerMayExist() {
        if (System.getenv("DOCKER_HOST") != null || System.getenv("TESTCONTAINERS_HOST_OVERRIDE") != null) {
            return true;
        }
        String home = System.getProperty("user.home", "");
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        List<Path> candidates = new java.util.ArrayList<>(List.of(
                Path.of("/var/run/docker.sock"), Path.of("/run/docker.sock"),
                Path.of(home, ".testcontainers.properties"), Path.of(home, ".docker", "run", "docker.sock"),
                Path.of(home, ".docker", "desktop", "docker.sock"), Path.of(home, ".colima", "docker.sock")));
        if (runtime != null) {
            candidates.add(Path.of(runtime, "docker.sock"));
        }
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
            return true; // named pipes: let Testcontainers decide
        }
        return candidates.stream().anyMatch(Files::exists);
    }

    record External(String bootstrapServers) implements ClusterBackend {
        @Override
        public String kind() {
            return "external";
        }

        @Override
        public void close() {
        }
    }

    record Container(KafkaContainer container) implements ClusterBackend {
        static final String DEFAULT_IMAGE = "apache/kafka-native:4.1.1";

        @SuppressWarnings("resource")
        static Container start() {
            String image = setting(KafkaTestCluster.IMAGE);
            KafkaContainer c = new KafkaContainer(image != null ? image : DEFAULT_IMAGE)
                    .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                    .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                    .withEnv("KAFKA_MESSAGE_MAX_BYTES", String.valueOf(16 * 1024 * 1024))
                    .withEnv("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "12")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "12");
            c.start();
            return new Container(c);
        }

        @Override
        public String bootstrapServers() {
            return container.getBootstrapServers();
        }

        @Override
        public String kind() {
            return "container";
        }

        @Override
        public void close() {
            container.stop();
        }
    }

    record Embedded(EmbeddedBroker broker, Path dir) implements ClusterBackend {
        static Embedded start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("outflow-test-kafka-");
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a temp dir for the embedded test broker", e);
            }
            EmbeddedBroker b = EmbeddedBroker.builder(dir).listen("127.0.0.1", 0).fsync(false).build().start();
            return new Embedded(b, dir);
        }

        @Override
        public String bootstrapServers() {
            return broker.bootstrapServers();
        }

        @Override
        public String kind() {
            return "embedded";
        }

        @Override
        public void close() {
            try {
                broker.close();
            } finally {
                deleteTree(dir);
            }
        }

        private static void deleteTree(Path root) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException ignored) {
                // A leftover temp dir is harmless.
            }
        }
    }
}

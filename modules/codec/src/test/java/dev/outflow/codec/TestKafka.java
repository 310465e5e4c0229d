package dev.outflow.codec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import dev.outflow.broker.EmbeddedBroker;

/**
 * One broker for the codec tests in this JVM: {@code KAFKA_BOOTSTRAP_SERVERS} when set, else an
 * embedded broker in a temp dir. (The testkit's KafkaTestCluster cannot be used here: testkit
 * depends on codec.)
 */
public final class TestKafka {
    private static String bootstrap;

    private TestKafka() {
    }

    public static synchronized String bootstrapServers() {
        if (bootstrap == null) {
            String external = System.getProperty("KAFKA_BOOTSTRAP_SERVERS", System.getenv("KAFKA_BOOTSTRAP_SERVERS"));
            if (external != null && !external.isBlank()) {
                bootstrap = external.strip();
            } else {
                try {
                    Path dir = Files.createTempDirectory("outflow-codec-kafka-");
                    EmbeddedBroker broker = EmbeddedBroker.builder(dir).fsync(false).build().start();
                    Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
                    bootstrap = broker.bootstrapServers();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return bootstrap;
    }

    public static Admin admin() {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(p);
    }

    public static Map<String, Object> producerProps() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers());
        p.put("acks", "all");
        p.put("linger.ms", 0);
        return p;
    }

    public static Map<String, Object> consumerProps() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers());
        p.put("enable.auto.commit", false);
        p.put("auto.offset.reset", "earliest");
        return p;
    }
}

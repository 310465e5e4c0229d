package dev.outflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBrokerTest {
    @TempDir
    Path dataDir;

    @Test
    void recordsSurviveARestartOnTheSameDataDirectory() throws Exception {
        Path addressFile = dataDir.resolve(EmbeddedBroker.ADDRESS_FILE);
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).fsync(true).build().start()) {
            assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
            assertThat(EmbeddedBroker.readAddress(dataDir)).contains(broker.bootstrapServers());
            try (Admin admin = admin(broker.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic("restart-test", 1, (short) -1))).all().get(30, TimeUnit.SECONDS);
            }
            produce(broker.bootstrapServers(), "restart-test", "k1", "first");
            assertThat(readAll(broker.bootstrapServers(), "restart-test", 1)).containsExactly("k1=first");
        }
        assertThat(addressFile).doesNotExist();
        assertThat(dataDir.resolve(EmbeddedBroker.LOG_DIR).resolve("meta.properties")).exists();

        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).fsync(false).build().start()) {
            assertThat(EmbeddedBroker.readAddress(dataDir)).contains(broker.bootstrapServers());
            produce(broker.bootstrapServers(), "restart-test", "k2", "second");
            assertThat(readAll(broker.bootstrapServers(), "restart-test", 2)).containsExactly("k1=first", "k2=second");
        }
        assertThat(addressFile).doesNotExist();
    }

    @Test
    void autoCreationOfTopicsIsOffAndStartIsIdempotent() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).fsync(false).build()) {
            assertThat(broker.isRunning()).isFalse();
            assertThatThrownBy(broker::bootstrapServers).isInstanceOf(IllegalStateException.class);
            broker.start();
            String first = broker.bootstrapServers();
            assertThat(broker.start().bootstrapServers()).isEqualTo(first);
            try (Admin admin = admin(first)) {
                Map<String, String> configs = new java.util.HashMap<>();
                admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                                org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1")))
                        .all().get(30, TimeUnit.SECONDS)
                        .values().forEach(c -> c.entries().forEach(e -> configs.put(e.name(), e.value())));
                assertThat(configs).containsEntry("auto.create.topics.enable", "false")
                        .containsEntry("default.replication.factor", "1")
                        .containsEntry("message.max.bytes", String.valueOf(16 * 1024 * 1024));
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).isEmpty();
            }
        }
    }

    @Test
    void aSecondBrokerOnALockedDataDirectoryFailsClearly() throws Exception {
        try (EmbeddedBroker first = EmbeddedBroker.builder(dataDir).fsync(false).build().start()) {
            EmbeddedBroker second = EmbeddedBroker.builder(dataDir).fsync(false)
                    .startTimeout(Duration.ofSeconds(10)).build();
            assertThatThrownBy(second::start).isInstanceOf(BrokerException.class)
                    .hasMessageContaining(dataDir.toAbsolutePath().toString())
                    .hasMessageContaining("another embedded broker");
            assertThat(second.isRunning()).isFalse();
            // The running broker's address file is untouched.
            assertThat(EmbeddedBroker.readAddress(dataDir)).contains(first.bootstrapServers());
        }
    }

    @Test
    void aFixedPortPutsTheControllerOnTheNextPort() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).listen("127.0.0.1", port).fsync(false).build().start()) {
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            try (java.net.Socket controller = new java.net.Socket("127.0.0.1", port + 1)) {
                assertThat(controller.isConnected()).isTrue();
            }
        }
        assertThat(Files.exists(dataDir.resolve(EmbeddedBroker.ADDRESS_FILE))).isFalse();
    }

    @Test
    void listensOnIpv6LoopbackWithABracketedAddress() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).listen("::1", 0).fsync(false).build().start()) {
            assertThat(broker.bootstrapServers()).startsWith("[::1]:");
            try (Admin admin = admin(broker.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic("v6", 1, (short) -1))).all().get(30, TimeUnit.SECONDS);
            }
            produce(broker.bootstrapServers(), "v6", "k", "v");
            assertThat(readAll(broker.bootstrapServers(), "v6", 1)).containsExactly("k=v");
        }
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    private static void produce(String bootstrap, String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, 0, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> readAll(String bootstrap, String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.key() + "=" + r.value());
                }
            }
        }
        return out;
    }
}

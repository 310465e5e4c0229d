package dev.outflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
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
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SASL/SCRAM on the embedded broker's listener: without credentials or with wrong ones, no access. */
class EmbeddedBrokerScramTest {
    private static final String USER = "outflow";
    private static final String PASSWORD = "pa\"ss\\word";     // quotes and backslashes survive the JAAS syntax

    @TempDir
    Path dataDir;

    @Test
    void onlyAClientWithTheCredentialsIsServed() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).scram(USER, PASSWORD).fsync(false).build().start()) {
            String bootstrap = broker.bootstrapServers();
            Map<String, String> sasl = broker.clientProperties();
            assertThat(sasl).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "SCRAM-SHA-512");

            try (Admin admin = admin(bootstrap, sasl)) {
                admin.createTopics(List.of(new NewTopic("scram", 1, (short) -1))).all().get(30, TimeUnit.SECONDS);
            }
            produce(bootstrap, sasl, "scram", "k", "v");
            assertThat(readOne(bootstrap, sasl, "scram")).isEqualTo("k=v");

            try (Admin anonymous = admin(bootstrap, Map.of())) {
                assertThatThrownBy(() -> anonymous.listTopics().names().get(30, TimeUnit.SECONDS))
                        .as("a client without credentials gets nothing").isInstanceOf(ExecutionException.class);
            }
            try (Admin wrong = admin(bootstrap, EmbeddedBroker.scramClientProperties(USER, "guess"))) {
                assertThatThrownBy(() -> wrong.listTopics().names().get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    @Test
    void aChangedPasswordTakesEffectAtTheNextStart() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).scram(USER, "first").fsync(false).build().start()) {
            try (Admin admin = admin(broker.bootstrapServers(), broker.clientProperties())) {
                admin.listTopics().names().get(30, TimeUnit.SECONDS);
            }
        }
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dataDir).scram(USER, "second").fsync(false).build().start()) {
            try (Admin old = admin(broker.bootstrapServers(), EmbeddedBroker.scramClientProperties(USER, "first"))) {
                assertThatThrownBy(() -> old.listTopics().names().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
            try (Admin admin = admin(broker.bootstrapServers(), broker.clientProperties())) {
                admin.listTopics().names().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Admin admin(String bootstrap, Map<String, String> security) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        return Admin.create(p);
    }

    private static void produce(String bootstrap, Map<String, String> security, String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, 0, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static String readOne(String bootstrap, Map<String, String> security, String topic) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) return r.key() + "=" + r.value();
            }
        }
        return null;
    }
}

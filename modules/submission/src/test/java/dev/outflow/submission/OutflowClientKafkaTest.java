package dev.outflow.submission;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** OutflowClient on a real broker: one record per domain, keyed by routing key, acknowledged before completion. */
class OutflowClientKafkaTest {
    private static final byte[] MSG = "From: a@sender.test\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(UTF_8);

    @Test
    void sendToThreeDomainsWritesThreeRecordsWithOneId() throws Exception {
        KafkaTestCluster kafka = KafkaTestCluster.get();
        String prefix = kafka.uniqueName("client") + ".";
        String topic = prefix + "outbound";
        kafka.createTopics(3, topic);
        Config config = Config.of(Map.of("me", "outflow.test", "topic.prefix", prefix, "kafka.bootstrap.servers", kafka.bootstrapServers()));

        String id;
        try (OutflowClient client = OutflowClient.connect(config)) {
            id = client.sendEmail("a@sender.test", List.of("x@one.test", "y@Two.test", "z@three.test", "w@one.test"), MSG)
                    .get(60, TimeUnit.SECONDS);
        }
        // Completed means acknowledged by the broker: everything is readable at once.
        List<ConsumerRecord<String, OutboundMessage>> records =
                kafka.drain(topic, new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30));

        assertThat(records).hasSize(3);
        assertThat(records.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(Set.of("one.test", "two.test", "three.test"));
        assertThat(records).allSatisfy(r -> {
            OutboundMessage m = r.value();
            assertThat(m.getId()).isEqualTo(id);
            assertThat(m.getDomain()).isEqualTo(r.key());
            assertThat(m.getAttempt()).isZero();
            assertThat(m.getMailFrom()).isEqualTo("a@sender.test");
            assertThat(m.getSource().getChannel()).isEqualTo("api");
            assertThat(UTF_8.decode(m.getContents().duplicate()).toString()).contains("Message-ID: <" + id + "@outflow.test>\r\n");
        });
        assertThat(records.stream().filter(r -> r.key().equals("one.test")).findFirst().orElseThrow().value().getRecipients())
                .containsExactly("x@one.test", "w@one.test");
    }

    @Test
    void brokerDownFailsTheFutureWithAClearError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("me", "outflow.test");
        settings.put("kafka.bootstrap.servers", "127.0.0.1:" + closedPort);
        settings.put("smtpd.queue_timeout", "2s");
        settings.put("kafka.client.reconnect.backoff.max.ms", "200");
        try (OutflowClient client = OutflowClient.connect(Config.of(settings))) {
            var future = client.sendEmail("a@sender.test", List.of("x@one.test"), MSG);

            assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(QueueException.class)
                    .hasMessageContaining("not acknowledged by Kafka on outflow.outbound")
                    .hasRootCauseInstanceOf(TimeoutException.class);
        }
    }

    @Test
    void producerSettingsKeepDurabilityWhateverTheOverrides() {
        Config config = Config.of(Map.of("kafka.bootstrap.servers", "127.0.0.1:9", "kafka.client.acks", "1",
                "kafka.client.enable.idempotence", "false", "kafka.client.linger.ms", "20", "outbound.max_message_bytes", "20m"));

        var p = KafkaOutboundQueue.producerProperties(config);

        assertThat(p.getProperty("acks")).isEqualTo("all");
        assertThat(p.getProperty("enable.idempotence")).isEqualTo("true");
        assertThat(p.getProperty("linger.ms")).isEqualTo("20");
        assertThat(Long.parseLong(p.getProperty("max.request.size"))).isGreaterThan(20L << 20);
        assertThat(p.getProperty("delivery.timeout.ms")).isEqualTo("30000");
    }

    @Test
    void missingBootstrapIsAConfigError() {
        assertThatThrownBy(() -> KafkaOutboundQueue.producerProperties(Config.defaults()))
                .isInstanceOf(dev.outflow.core.config.ConfigException.class)
                .hasMessageContaining("kafka.bootstrap.servers");
    }
}

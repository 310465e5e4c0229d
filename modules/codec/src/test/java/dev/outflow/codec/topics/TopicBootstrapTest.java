package dev.outflow.codec.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outflow.codec.TestKafka;

class TopicBootstrapTest {
    private static Admin admin;

    @BeforeAll
    static void connect() {
        admin = TestKafka.admin();
    }

    @AfterAll
    static void disconnect() {
        admin.close();
    }

    @Test
    void createsEveryTopicWithItsPartitionsAndConfigsOnceAndWarmsEachPartition() throws Exception {
        String prefix = "tb-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(prefix, List.of("10s", "1m"));
        List<TopicSpec> specs = topics.specs(4, 2, -1, 10 * 1024 * 1024);

        List<String> created = TopicBootstrap.ensure(admin, TestKafka.producerProps(), specs);

        assertThat(created).containsExactlyElementsOf(topics.all());
        Map<String, TopicDescription> described = admin.describeTopics(topics.all()).allTopicNames().get(30, TimeUnit.SECONDS);
        for (TopicSpec spec : specs) {
            assertThat(described.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
        }
        assertThat(described.get(topics.outbound()).partitions()).hasSize(4);
        assertThat(described.get(topics.control()).partitions()).hasSize(1);

        Config outbound = topicConfig(topics.outbound());
        assertThat(outbound.get("compression.type").value()).isEqualTo("zstd");
        assertThat(outbound.get("max.message.bytes").value()).isEqualTo(String.valueOf(11 * 1024 * 1024));
        assertThat(outbound.get("cleanup.policy").value()).isEqualTo("delete");
        Config control = topicConfig(topics.control());
        assertThat(control.get("cleanup.policy").value()).isEqualTo("compact,delete");
        assertThat(control.get("retention.ms").value()).isEqualTo("-1");
        assertThat(control.get("retention.bytes").value()).isEqualTo("-1");

        // Each partition was warmed (one record written) and the warm-up deleted again: a plain
        // consumer from the beginning finds nothing, and the log starts after the warm-up.
        for (TopicSpec spec : specs) {
            List<TopicPartition> tps = partitions(spec.name(), spec.partitions());
            assertThat(admin.listOffsets(earliest(tps)).all().get(30, TimeUnit.SECONDS).values())
                    .as(spec.name()).allMatch(o -> o.offset() == 1);
            assertThat(readAll(spec.name(), spec.partitions())).as(spec.name()).isEmpty();
        }
        assertThat(admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                .names().get(30, TimeUnit.SECONDS)).contains("__consumer_offsets");

        // Idempotent: nothing created, nothing written, no error.
        assertThat(TopicBootstrap.ensure(admin, TestKafka.producerProps(), specs)).isEmpty();
        assertThat(admin.listOffsets(latest(partitions(topics.outbound(), 4))).all().get(30, TimeUnit.SECONDS).values())
                .allMatch(o -> o.offset() == 1);

        // A spec added later is created alone.
        List<TopicSpec> more = new ArrayList<>(specs);
        more.add(new TopicSpec(topics.delay("1h"), 2, -1, Map.of()));
        assertThat(TopicBootstrap.ensure(admin, TestKafka.producerProps(), more, Duration.ofSeconds(60)))
                .containsExactly(topics.delay("1h"));
    }

    @Test
    void aPlainConsumerFromOffsetZeroSeesOnlyRealRecords() throws Exception {
        String prefix = "tbz-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(prefix, List.of("10s"));
        TopicBootstrap.ensure(admin, TestKafka.producerProps(), topics.specs(2, 2, -1, 1024 * 1024));
        for (String topic : List.of(topics.dlq(), topics.control(), topics.delivered())) {
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(TestKafka.producerProps(),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(topic, 0, "k".getBytes(), "real".getBytes())).get(30, TimeUnit.SECONDS);
            }
            // What kafka-console-consumer --from-beginning does: no group, offset 0, reset to earliest.
            Map<String, Object> props = new HashMap<>(TestKafka.consumerProps());
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                TopicPartition tp = new TopicPartition(topic, 0);
                c.assign(List.of(tp));
                c.seek(tp, 0);
                List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(100)).forEach(got::add);
                }
                assertThat(got).as(topic).hasSize(1);
                assertThat(got.get(0).offset()).as(topic).isEqualTo(1);
                assertThat(got.get(0).value()).as(topic).isEqualTo("real".getBytes());
                assertThat(got.get(0).headers().lastHeader(Warmup.HEADER)).as(topic).isNull();
            }
        }
    }

    @Test
    void transactionStateCanBeWarmed() throws Exception {
        TopicBootstrap.warmTransactionState(TestKafka.producerProps(), Duration.ofSeconds(60));
        assertThat(admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                .names().get(30, TimeUnit.SECONDS)).contains("__transaction_state");
    }

    @Test
    void warmupDetectionLooksAtTheHeaderOnly() {
        ConsumerRecord<String, String> plain = new ConsumerRecord<>("t", 0, 0, "k", null);
        assertThat(Warmup.isWarmup(plain)).isFalse();
        ConsumerRecord<String, String> other = new ConsumerRecord<>("t", 0, 0, "k", "v");
        other.headers().add(Warmup.HEADER, "0".getBytes());
        assertThat(Warmup.isWarmup(other)).isFalse();
        other.headers().add(Warmup.HEADER, "1".getBytes());
        assertThat(Warmup.isWarmup(other)).isTrue();
    }

    private static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        return tps;
    }

    private static Map<TopicPartition, OffsetSpec> earliest(List<TopicPartition> tps) {
        Map<TopicPartition, OffsetSpec> m = new HashMap<>();
        tps.forEach(tp -> m.put(tp, OffsetSpec.earliest()));
        return m;
    }

    private static Map<TopicPartition, OffsetSpec> latest(List<TopicPartition> tps) {
        Map<TopicPartition, OffsetSpec> m = new HashMap<>();
        tps.forEach(tp -> m.put(tp, OffsetSpec.latest()));
        return m;
    }

    private static Config topicConfig(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions) {
        Map<String, Object> props = new HashMap<>(TestKafka.consumerProps());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }
}

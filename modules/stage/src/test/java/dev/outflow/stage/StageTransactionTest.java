package dev.outflow.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The shared transaction helper against a real broker: a record the broker refuses for good does
 * not stall the transaction, its unit's fallback is published instead, and the other units'
 * outputs commit with it.
 */
class StageTransactionTest {
    private final KafkaTestCluster kafka = KafkaTestCluster.get();

    /** A unit of work: its records, named for the logs. */
    private record Unit(String name, List<ProducerRecord<byte[], byte[]>> records) {
        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void aRefusedOutputIsReplacedByItsFallbackAndTheRestCommits() {
        String small = kafka.uniqueName("small");
        String out = kafka.uniqueName("out");
        String dlq = kafka.uniqueName("dlq");
        kafka.createTopics(List.of(new NewTopic(small, 1, (short) -1).configs(Map.of("max.message.bytes", "2048")),
                new NewTopic(out, 1, (short) -1), new NewTopic(dlq, 1, (short) -1)));
        Unit fine = new Unit("fine", List.of(record(out, "ok", 100)));
        Unit tooLarge = new Unit("tooLarge", List.of(record(small, "big", 64 * 1024)));

        try (StageTransaction<Unit> tx = transaction("refused", dlq, 10)) {
            tx.init();
            StageTransaction.Result result = tx.commit(List.of(fine, tooLarge), Map.of(), new ConsumerGroupMetadata("unused"));

            assertThat(result).isEqualTo(StageTransaction.Result.COMMITTED);
        }
        assertThat(keys(kafka.drain(out, Duration.ofSeconds(10)))).containsExactly("ok");
        assertThat(kafka.drain(small, Duration.ofSeconds(5))).isEmpty();
        assertThat(keys(kafka.drain(dlq, Duration.ofSeconds(10)))).containsExactly("big");
    }

    @Test
    void aFallbackRefusedTooLeavesTheUnitWithoutOutputs() {
        String small = kafka.uniqueName("small");
        String out = kafka.uniqueName("out");
        kafka.createTopics(List.of(new NewTopic(small, 1, (short) -1).configs(Map.of("max.message.bytes", "2048")),
                new NewTopic(out, 1, (short) -1)));
        Unit fine = new Unit("fine", List.of(record(out, "ok", 100)));
        Unit tooLarge = new Unit("tooLarge", List.of(record(small, "big", 64 * 1024)));

        // The fallback is too large for its topic as well: refused again, so the unit publishes nothing.
        try (StageTransaction<Unit> tx = transaction("refused-twice", small, 32 * 1024)) {
            tx.init();
            assertThat(tx.commit(List.of(tooLarge, fine), Map.of(), new ConsumerGroupMetadata("unused")))
                    .isEqualTo(StageTransaction.Result.COMMITTED);
        }
        assertThat(keys(kafka.drain(out, Duration.ofSeconds(10)))).containsExactly("ok");
        assertThat(kafka.drain(small, Duration.ofSeconds(5))).isEmpty();
    }

    private StageTransaction<Unit> transaction(String name, String fallbackTopic, int fallbackBytes) {
        Map<String, Object> props = StageClients.transactionalProducer(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                kafka.uniqueName(name), kafka.uniqueName(name), 5, 1 << 20);
        return new StageTransaction<>(() -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()),
                Duration.ofSeconds(30), Unit::records,
                (u, refused, why) -> refused.getFirst().topic().equals(fallbackTopic) && refused != u.records()
                        ? List.of()
                        : List.of(new ProducerRecord<>(fallbackTopic, u.records().getFirst().key(), noise(fallbackBytes))));
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, int size) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), noise(size));
    }

    /** Bytes zstd cannot shrink: a record of zeros would fit the small topic once compressed. */
    private static byte[] noise(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    private static List<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
    }
}

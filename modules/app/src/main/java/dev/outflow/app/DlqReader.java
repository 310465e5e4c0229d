package dev.outflow.app;

import dev.outflow.codec.topics.Warmup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a dead-letter topic ({@code outflow.dlq} or the webhooks DLQ) from its beginning up to the end offsets taken when reading starts,
 * so that records dead-lettered again while a replay runs are not read twice. No consumer group:
 * reading commits nothing and any number of operators may read at once.
 */
final class DlqReader {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private DlqReader() {
    }

    /** Calls {@code each} for every dead letter of {@code topic}, in partition order; returns how many were read. */
    static int read(Context ctx, String topic, Consumer<DeadLetter> each) {
        Map<String, Object> p = new HashMap<>(ctx.kafka());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "outflow-dlq");
        int n = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) throw new IllegalStateException("topic " + topic + " does not exist (run 'outflow topics create')");
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo i : infos) parts.add(new TopicPartition(topic, i.partition()));
            parts.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            for (TopicPartition tp : parts) {
                long stop = end.get(tp);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
                // The position, not the last record, says when we are done: markers take offsets too.
                while (consumer.position(tp) < stop) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("reading " + tp + " took longer than " + READ_TIMEOUT.toSeconds() + " s (at offset "
                                + consumer.position(tp) + " of " + stop + ")");
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.offset() >= stop || Warmup.isWarmup(r)) continue;
                        each.accept(new DeadLetter(r));
                        n++;
                    }
                }
            }
        }
        return n;
    }
}

package dev.outflow.router.internal;

import dev.outflow.codec.topics.TopicSpec;
import dev.outflow.codec.topics.Warmup;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable side of {@link DedupeStore}: the compacted topic {@code <prefix>router.dedupe},
 * written in the same transaction as the outbound parts and the input offsets, so after any crash
 * it holds exactly the ids whose parts were committed. Key = submission id (UTF-8), value = first
 * seen, epoch milliseconds (8 bytes, big-endian). An id queued from input partition {@code p}
 * goes to changelog partition {@code p % partitions}.
 *
 * <p>Cleanup is {@code compact,delete}: compaction keeps one entry per id, deletion drops
 * segments older than the window (plus one segment's age), so the topic stays about one window
 * long. Restoring reads {@code read_committed} up to the last stable offset.
 *
 * <p>Stateless apart from the topic name and partition count; thread-safe.
 */
public final class DedupeChangelog {
    private static final Logger log = LoggerFactory.getLogger(DedupeChangelog.class);

    private final String topic;
    private final int partitions;

    public DedupeChangelog(String topic, int partitions) {
        if (partitions < 1) throw new IllegalArgumentException("changelog partitions must be >= 1");
        this.topic = topic;
        this.partitions = partitions;
    }

    /** {@code <prefix>router.dedupe}. */
    public static String topicName(String prefix) {
        return prefix + "router.dedupe";
    }

    /** The spec to create the changelog with: compacted, deleted after the window, small segments. */
    public static TopicSpec spec(String name, int partitions, int replicationFactor, Duration window) {
        long windowMs = window.toMillis();
        long segmentMs = Math.max(60_000L, Math.min(windowMs / 4, 3_600_000L));
        return new TopicSpec(name, partitions, replicationFactor, Map.of(
                "cleanup.policy", "compact,delete",
                "retention.ms", Long.toString(windowMs + segmentMs),
                "segment.ms", Long.toString(segmentMs),
                "compression.type", "zstd"));
    }

    public String topic() {
        return topic;
    }

    public int partitions() {
        return partitions;
    }

    /** The changelog partition of an input partition. */
    public int partitionOf(int inputPartition) {
        return inputPartition % partitions;
    }

    /** The entry recording that {@code id} was queued at {@code seenAt}. */
    public ProducerRecord<byte[], byte[]> entry(int changelogPartition, String id, long seenAt) {
        return new ProducerRecord<>(topic, changelogPartition, id.getBytes(StandardCharsets.UTF_8),
                ByteBuffer.allocate(8).putLong(seenAt).array());
    }

    /**
     * Reads changelog partitions from the start to their last stable offset into {@code store}.
     *
     * @param consumer a group-less, {@code read_committed} consumer; used and left assigned to nothing
     * @param now      the clock's current time in epoch ms (entries older than the window are skipped)
     * @return entries read
     * @throws org.apache.kafka.common.errors.TimeoutException when the end is not reached within {@code timeout}
     */
    public long restore(Consumer<byte[], byte[]> consumer, Collection<Integer> changelogPartitions, DedupeStore store,
                        LongSupplier now, Duration timeout) {
        if (changelogPartitions.isEmpty()) return 0;
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : changelogPartitions) tps.add(new TopicPartition(topic, p));
        long deadline = System.nanoTime() + timeout.toNanos();
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
        long read = 0;
        long t = now.getAsLong();
        while (!reached(consumer, end)) {
            if (System.nanoTime() > deadline) {
                throw new org.apache.kafka.common.errors.TimeoutException("restoring " + tps + " did not reach " + end + " within " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (Warmup.isWarmup(r) || r.key() == null || r.value() == null || r.value().length != 8) continue;
                store.restore(r.partition(), new String(r.key(), StandardCharsets.UTF_8), ByteBuffer.wrap(r.value()).getLong(), t);
                read++;
            }
        }
        for (int p : changelogPartitions) store.hold(p);
        consumer.assign(List.of());
        log.debug("Restored {} dedupe entries from {}", read, tps);
        return read;
    }

    private static boolean reached(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }
}

package dev.outflow.testkit.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import dev.outflow.codec.topics.Warmup;

/**
 * Reads a topic from the beginning, all partitions, without a consumer group, for assertions.
 * Warm-up records ({@link Warmup}) are skipped. Partitions added later are picked up by the next
 * call. {@code read_committed}: records of open or aborted transactions are not seen.
 *
 * <p>Not thread-safe: one test thread uses it. Close it (try-with-resources).
 */
public final class TopicReader<K, V> implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final String topic;
    private final KafkaConsumer<K, V> consumer;
    /** Settings of the short-lived consumer that reads the high watermarks (read_uncommitted). */
    private final Map<String, Object> endProps;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final List<ConsumerRecord<K, V>> all = new ArrayList<>();

    /**
     * @param consumerProps consumer settings; a {@code group.id} is removed (assignment is manual)
     */
    public TopicReader(Map<String, Object> consumerProps, String topic, Deserializer<K> keys, Deserializer<V> values) {
        Map<String, Object> props = new java.util.HashMap<>(consumerProps);
        props.remove("group.id");
        props.put("enable.auto.commit", false);
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(props, keys, values);
        this.endProps = new java.util.HashMap<>(props);
        endProps.put("isolation.level", "read_uncommitted");
        endProps.computeIfPresent("client.id", (k, v) -> v + "-end");
    }

    /**
     * Reads every record on the topic up to its end as of this call and returns the ones not
     * returned before, in partition then offset order. The end is the high watermark, not the last
     * stable offset: a transaction open at this call is waited for, and its records are returned
     * once committed (skipped once aborted). A producer's {@code commitTransaction()} returns before
     * the commit markers are written, so reading only to the last stable offset right after it can
     * miss what was just committed.
     *
     * @throws AssertionError when the topic does not exist or the end is not reached within
     *     {@code timeout} (also when a transaction stays open that long)
     */
    public List<ConsumerRecord<K, V>> drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        assignNewPartitions(timeout);
        Map<TopicPartition, Long> end = highWatermarks(timeout);
        int before = all.size();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not read " + topic + " to its end " + end + " within " + timeout
                        + "; read " + (all.size() - before) + " records");
            }
            pollOnce();
        }
        List<ConsumerRecord<K, V>> fresh = new ArrayList<>(all.subList(before, all.size()));
        fresh.sort((a, b) -> a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition()) : Long.compare(a.offset(), b.offset()));
        return fresh;
    }

    /**
     * Polls until at least {@code count} records (in total, since this reader was opened) were read,
     * and returns all of them in arrival order.
     *
     * @throws AssertionError when fewer arrive within {@code timeout}
     */
    public List<ConsumerRecord<K, V>> awaitCount(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        assignNewPartitions(timeout);
        while (all.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected at least " + count + " records on " + topic + " within " + timeout
                        + " but read " + all.size());
            }
            pollOnce();
            assignNewPartitions(timeout);
        }
        return records();
    }

    /** Every record read so far, in arrival order. */
    public List<ConsumerRecord<K, V>> records() {
        return Collections.unmodifiableList(new ArrayList<>(all));
    }

    private void pollOnce() {
        for (ConsumerRecord<K, V> r : consumer.poll(POLL)) {
            if (!Warmup.isWarmup(r)) {
                all.add(r);
            }
        }
    }

    private Map<TopicPartition, Long> highWatermarks(Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(endProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return c.endOffsets(assigned, timeout);
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void assignNewPartitions(Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            if (assigned.isEmpty()) {
                throw new AssertionError("topic " + topic + " does not exist");
            }
            return;
        }
        if (infos.size() == assigned.size()) {
            return;
        }
        List<TopicPartition> fresh = new ArrayList<>();
        for (PartitionInfo p : infos) {
            TopicPartition tp = new TopicPartition(topic, p.partition());
            if (assigned.add(tp)) {
                fresh.add(tp);
            }
        }
        consumer.assign(assigned);
        consumer.seekToBeginning(fresh);
    }

    @Override
    public void close() {
        consumer.close();
    }
}

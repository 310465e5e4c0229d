package dev.outflow.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code outflow_consumer_lag{group,topic,partition}}: the queue depth each consuming stage of this
 * process sees, refreshed every {@link #PERIOD} from the group's committed offsets and the
 * partitions' end offsets (offsets, not records: a trailing transaction marker counts one). The
 * same numbers KEDA or an alert rule would scale or page on. Also
 * {@code outflow_consumer_oldest_age_seconds{group,topic}}: how long the first waiting record has
 * waited (read with one unsubscribed read_committed consumer from the committed offsets). Thread-safe.
 */
final class LagGauges implements AutoCloseable {
    static final Duration PERIOD = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(LagGauges.class);

    private final Admin admin;
    private final MultiGauge gauge;
    private final MultiGauge oldest;
    private final org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> peeker;
    private final Map<String, Set<String>> topicsOfGroup = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private volatile Snapshot last = new Snapshot(0, List.of());

    /** The waiting records of one group on one topic at {@link Snapshot#at}: summed over partitions, and the oldest one's age. */
    record TopicLag(String group, String topic, int partitions, long waiting, double oldestAgeSeconds) {}

    /** The last refresh, for the dashboard ({@code at} 0 before the first one). */
    record Snapshot(long at, List<TopicLag> topics) {}

    LagGauges(Map<String, Object> kafka, MeterRegistry registry) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.keySet().removeIf(k -> k.endsWith(".serializer") || k.endsWith(".deserializer"));
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-lag");
        this.admin = Admin.create(p);
        this.gauge = MultiGauge.builder("outflow.consumer.lag").description("Records (offsets) waiting for a consumer group, per partition.")
                .baseUnit("records").register(registry);
        // The age of the first waiting record is what an operator pages on ("mail waits for an hour"),
        // which lag alone cannot tell: 10,000 records may be two seconds of work.
        this.oldest = MultiGauge.builder("outflow.consumer.oldest.age").description("Age of the oldest record waiting for a consumer group, per topic (0 when none waits).")
                .baseUnit("seconds").register(registry);
        Map<String, Object> c = new HashMap<>(p);
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-lag-peek");
        c.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        this.peeker = new org.apache.kafka.clients.consumer.KafkaConsumer<>(c,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("lag-gauges").unstarted(r));
        timer.scheduleWithFixedDelay(this::refresh, 1, PERIOD.toSeconds(), TimeUnit.SECONDS);
    }

    /** Reports the lag of {@code group} on these topics. */
    void watch(String group, List<String> topics) {
        topicsOfGroup.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet()).addAll(topics);
    }

    private void refresh() {
        try {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            List<MultiGauge.Row<?>> ages = new ArrayList<>();
            List<TopicLag> snapshot = new ArrayList<>();
            for (var e : topicsOfGroup.entrySet()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(e.getKey())
                        .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
                for (var d : admin.describeTopics(e.getValue()).allTopicNames().get(5, TimeUnit.SECONDS).values()) {
                    d.partitions().forEach(pi -> ask.put(new TopicPartition(d.name(), pi.partition()), OffsetSpec.latest()));
                }
                var ends = admin.listOffsets(ask).all().get(5, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> askStart = new HashMap<>();
                ask.keySet().forEach(tp -> askStart.put(tp, OffsetSpec.earliest()));
                var starts = admin.listOffsets(askStart).all().get(5, TimeUnit.SECONDS);
                Map<TopicPartition, Long> waitingFrom = new HashMap<>();
                Map<String, long[]> perTopic = new HashMap<>(); // partitions, waiting
                ends.forEach((tp, info) -> {
                    // A partition never consumed has no committed offset: it waits from its log start
                    // (after the deleted warm-up record), not from 0.
                    OffsetAndMetadata c = committed.get(tp);
                    long from = Math.max(starts.get(tp).offset(), c == null ? 0 : c.offset());
                    long lag = Math.max(0, info.offset() - from);
                    rows.add(MultiGauge.Row.of(Tags.of("group", e.getKey(), "topic", tp.topic(), "partition", String.valueOf(tp.partition())), lag));
                    if (lag > 0) waitingFrom.put(tp, from);
                    long[] t = perTopic.computeIfAbsent(tp.topic(), k -> new long[2]);
                    t[0]++;
                    t[1] += lag;
                });
                Map<String, Long> oldestOfTopic = oldestTimestamps(waitingFrom);
                long now = System.currentTimeMillis();
                for (String topic : e.getValue()) {
                    Long ts = oldestOfTopic.get(topic);
                    double age = ts == null ? 0.0 : Math.max(0, now - ts) / 1000.0;
                    ages.add(MultiGauge.Row.of(Tags.of("group", e.getKey(), "topic", topic), age));
                    long[] t = perTopic.getOrDefault(topic, new long[2]);
                    snapshot.add(new TopicLag(e.getKey(), topic, (int) t[0], t[1], age));
                }
            }
            gauge.register(rows, true);
            oldest.register(ages, true);
            snapshot.sort(java.util.Comparator.comparing(TopicLag::group).thenComparing(TopicLag::topic));
            last = new Snapshot(System.currentTimeMillis(), List.copyOf(snapshot));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Kafka away: keep the last values; /health says why.
            log.debug("Lag refresh failed: {}", e.toString());
        }
    }

    /**
     * The timestamp of the first data record at or after each start offset, per topic (the oldest).
     * Transaction markers and aborted records are skipped by read_committed; warm-up records do not count.
     */
    private Map<String, Long> oldestTimestamps(Map<TopicPartition, Long> from) {
        Map<String, Long> out = new HashMap<>();
        if (from.isEmpty()) return out;
        peeker.assign(from.keySet());
        from.forEach(peeker::seek);
        java.util.Set<TopicPartition> open = new java.util.HashSet<>(from.keySet());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            for (var r : peeker.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (!open.contains(tp) || dev.outflow.codec.topics.Warmup.isWarmup(r)) continue;
                open.remove(tp);
                out.merge(r.topic(), r.timestamp(), Math::min);
            }
            peeker.pause(from.keySet().stream().filter(tp -> !open.contains(tp)).toList());
        }
        peeker.unsubscribe();
        return out;
    }

    Snapshot snapshot() {
        return last;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        peeker.close(Duration.ofSeconds(2));
        admin.close(Duration.ofSeconds(2));
    }
}

package dev.outflow.submission.router.internal;

import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.topics.TopicSpec;
import dev.outflow.core.retry.RetrySchedule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Where a submission waits after a temporary refusal (queue_outbound DENYSOFT, a plugin that
 * threw, an internal error): one topic per distinct delay of {@code router.retry_intervals},
 * {@code <prefix>router.retry.<delay>} (e.g. {@code outflow.router.retry.5m}). Every record of one
 * topic waits the same delay, so records fall due in append order: the router reads a partition
 * head-first and pauses it until its head is due, while the submissions topic keeps moving.
 *
 * <p>A retry record is the record it replaces (key, value, the producer's headers) plus:
 * <ul>
 * <li>{@value #ATTEMPTS}: temporary refusals so far (1 after the first),</li>
 * <li>{@value #DUE}: epoch ms when it is tried again,</li>
 * <li>{@value #FIRST}: epoch ms of the first refusal,</li>
 * <li>{@value #REASON}: the last refusal's reply line,</li>
 * <li>{@code outflow.source.topic/partition/offset}: the record on the submissions topic,</li>
 * </ul>
 * all decimal or UTF-8 text. It goes to the partition number of the record it replaces (modulo the
 * retry topic's partitions), so dedupe entries keep their changelog partition. It is written in the
 * transaction that commits the offset of the record it replaces: exactly once, like any output.
 *
 * <p>Immutable and thread-safe.
 */
public final class RetryTopics {
    public static final String ATTEMPTS = "outflow.retry.attempts";
    public static final String DUE = "outflow.retry.due";
    public static final String FIRST = "outflow.retry.first";
    public static final String REASON = "outflow.retry.reason";
    private static final long MIN_RETENTION_MS = Duration.ofDays(7).toMillis();

    private final String prefix;
    private final RetrySchedule schedule;
    private final Map<String, Integer> partitions;

    /**
     * @param partitions partition count of every retry topic to read, those of the schedule and
     *                   any left by an earlier schedule (their records are still delivered)
     */
    public RetryTopics(String prefix, RetrySchedule schedule, Map<String, Integer> partitions) {
        this.prefix = prefix;
        this.schedule = schedule;
        this.partitions = Map.copyOf(partitions);
        for (Duration d : new LinkedHashSet<>(schedule.intervals())) {
            if (!this.partitions.containsKey(topic(prefix, d))) throw new IllegalArgumentException("no partition count for " + topic(prefix, d));
        }
    }

    /** {@code <prefix>router.retry.}: the name every retry topic starts with. */
    public static String namePrefix(String prefix) {
        return prefix + "router.retry.";
    }

    /** The topic of one delay, e.g. {@code outflow.router.retry.15m}. */
    public static String topic(String prefix, Duration delay) {
        return namePrefix(prefix) + delayName(delay);
    }

    /** The topics of a schedule, one per distinct delay, in schedule order. */
    public static List<String> topics(String prefix, RetrySchedule schedule) {
        Set<String> out = new LinkedHashSet<>();
        for (Duration d : schedule.intervals()) out.add(topic(prefix, d));
        return List.copyOf(out);
    }

    /**
     * Specs for the schedule's topics: the submissions topic's codec and record size; retention
     * at least a week and twice the delay, so a waiting record is never deleted before it is due.
     */
    public static List<TopicSpec> specs(String prefix, RetrySchedule schedule, int partitions, int replicationFactor, long maxRecordBytes) {
        List<TopicSpec> specs = new ArrayList<>();
        for (Duration d : new LinkedHashSet<>(schedule.intervals())) {
            long retention = Math.max(MIN_RETENTION_MS, 2 * d.toMillis());
            specs.add(new TopicSpec(topic(prefix, d), partitions, replicationFactor, Map.of(
                    "compression.type", "zstd",
                    "max.message.bytes", Long.toString(Math.min(Integer.MAX_VALUE, maxRecordBytes)),
                    "retention.ms", Long.toString(retention))));
        }
        return specs;
    }

    /** {@code 90s} → {@code 90s}, {@code 2h} → {@code 2h}, {@code 1500ms} → {@code 1500ms}: the largest exact unit. */
    static String delayName(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0) return ms / 86_400_000L + "d";
        if (ms % 3_600_000L == 0) return ms / 3_600_000L + "h";
        if (ms % 60_000L == 0) return ms / 60_000L + "m";
        if (ms % 1_000L == 0) return ms / 1_000L + "s";
        return ms + "ms";
    }

    /** Every retry topic the router reads. */
    public Collection<String> names() {
        return partitions.keySet();
    }

    public boolean isRetryTopic(String topic) {
        return partitions.containsKey(topic);
    }

    public RetrySchedule schedule() {
        return schedule;
    }

    /**
     * When {@code r} may be handled: its {@value #DUE} header on a retry topic, else 0 (now). A
     * missing or unreadable header counts as due: a record is never held forever.
     */
    public long dueAt(ConsumerRecord<byte[], byte[]> r) {
        if (!isRetryTopic(r.topic())) return 0;
        return number(r.headers(), DUE, 0);
    }

    /**
     * The retry history of {@code r}: none for a record of the submissions topic (whatever its
     * headers say), else from its headers. An unreadable attempt count is taken as the schedule's
     * last, so a damaged record gets one more try at most.
     */
    public RetryState state(ConsumerRecord<byte[], byte[]> r, long now) {
        if (!isRetryTopic(r.topic())) return RetryState.fresh(r.topic(), r.partition(), r.offset(), now);
        Headers h = r.headers();
        int attempts = (int) Math.min(Integer.MAX_VALUE, number(h, ATTEMPTS, schedule.maxAttempts()));
        String topic = text(h, DlqRecords.SOURCE_TOPIC);
        long partition = number(h, DlqRecords.SOURCE_PARTITION, -1);
        long offset = number(h, DlqRecords.SOURCE_OFFSET, -1);
        if (topic == null || partition < 0 || partition > Integer.MAX_VALUE || offset < 0) {
            topic = r.topic();
            partition = r.partition();
            offset = r.offset();
        }
        return new RetryState(Math.max(1, attempts), number(h, FIRST, now), topic, (int) partition, offset);
    }

    /**
     * The record that makes {@code r} wait after its {@code attempts}-th temporary refusal, or
     * empty when the schedule is used up.
     */
    public Optional<ProducerRecord<byte[], byte[]>> retry(ConsumerRecord<byte[], byte[]> r, RetryState state, String reason, long now) {
        int attempts = state.attempts() + 1;
        Optional<Duration> delay = schedule.delayAfter(attempts);
        if (delay.isEmpty()) return Optional.empty();
        String topic = topic(prefix, delay.get());
        RecordHeaders headers = new RecordHeaders();
        for (Header x : withoutRetryHeaders(r.headers())) headers.add(x);
        headers.add(ATTEMPTS, utf8(Integer.toString(attempts)));
        headers.add(DUE, utf8(Long.toString(now + delay.get().toMillis())));
        headers.add(FIRST, utf8(Long.toString(state.firstAt())));
        headers.add(REASON, utf8(reason.length() <= 1000 ? reason : reason.substring(0, 999) + "…"));
        headers.add(DlqRecords.SOURCE_TOPIC, utf8(state.topic()));
        headers.add(DlqRecords.SOURCE_PARTITION, utf8(Integer.toString(state.partition())));
        headers.add(DlqRecords.SOURCE_OFFSET, utf8(Long.toString(state.offset())));
        int partition = r.partition() % partitions.get(topic);
        return Optional.of(new ProducerRecord<>(topic, partition, r.key(), r.value(), headers));
    }

    /** The producer's headers: those of {@code headers} without the retry and source bookkeeping. */
    public static Headers withoutRetryHeaders(Headers headers) {
        RecordHeaders out = new RecordHeaders();
        for (Header h : headers) {
            String k = h.key();
            if (k.startsWith("outflow.retry.") || k.equals(DlqRecords.SOURCE_TOPIC) || k.equals(DlqRecords.SOURCE_PARTITION)
                    || k.equals(DlqRecords.SOURCE_OFFSET) || k.equals(DlqRecords.ERROR)) {
                continue;
            }
            out.add(h);
        }
        return out;
    }

    private static long number(Headers h, String key, long fallback) {
        String s = text(h, key);
        if (s == null) return fallback;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String text(Headers h, String key) {
        Header x = h.lastHeader(key);
        return x == null || x.value() == null ? null : new String(x.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A submission's temporary refusals so far and the record it was first read as.
     *
     * @param attempts temporary refusals so far (0: never refused)
     * @param firstAt  epoch ms of the first refusal (or of this reading when none)
     */
    public record RetryState(int attempts, long firstAt, String topic, int partition, long offset) {
        static RetryState fresh(String topic, int partition, long offset, long now) {
            return new RetryState(0, now, topic, partition, offset);
        }
    }
}

package dev.outflow.codec.topics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The names of Outflow's topics under one prefix (default {@code outflow.}) and their default
 * specs. Immutable, thread-safe.
 *
 * <pre>{@code
 * Topics topics = new Topics("outflow.", List.of("10s", "1m"));
 * topics.outbound();     // "outflow.outbound"
 * topics.delay("1m");    // "outflow.delay.1m"
 * }</pre>
 */
public final class Topics {
    public static final String DEFAULT_PREFIX = "outflow.";
    public static final List<String> DEFAULT_DELAY_BUCKETS = List.of("10s", "1m", "5m", "15m", "1h", "4h");
    /** Room above the largest message for envelope fields, recipients, notes, headers and batch framing. */
    public static final long RECORD_OVERHEAD_BYTES = 1024 * 1024;

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");

    private final String prefix;
    private final List<String> delayBuckets;

    public Topics(String prefix, List<String> delayBuckets) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        if (!LEGAL.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic prefix may use only a-z A-Z 0-9 . _ -: '" + prefix + "'");
        }
        for (String b : delayBuckets) {
            if (b.isEmpty() || !LEGAL.matcher(b).matches()) {
                throw new IllegalArgumentException("delay bucket name may use only a-z A-Z 0-9 . _ -: '" + b + "'");
            }
        }
        this.delayBuckets = List.copyOf(delayBuckets);
    }

    /** Default prefix and delay buckets. */
    public static Topics defaults() {
        return new Topics(DEFAULT_PREFIX, DEFAULT_DELAY_BUCKETS);
    }

    public String prefix() {
        return prefix;
    }

    public List<String> delayBuckets() {
        return delayBuckets;
    }

    public String submissions() {
        return prefix + "submissions";
    }

    public String outbound() {
        return prefix + "outbound";
    }

    public String delivered() {
        return prefix + "delivered";
    }

    public String bounced() {
        return prefix + "bounced";
    }

    public String deferred() {
        return prefix + "deferred";
    }

    /** The delay topic of a bucket, e.g. {@code outflow.delay.5m}; any legal bucket name works. */
    public String delay(String bucket) {
        return prefix + "delay." + bucket;
    }

    public String dlq() {
        return prefix + "dlq";
    }

    /** Event batches a webhook endpoint did not take within {@code webhooks.max_age}, one record per event, reason in headers. */
    public String webhooksDlq() {
        return prefix + "webhooks.dlq";
    }

    public String control() {
        return prefix + "control";
    }

    /** The suppression list: compacted, key = address, JSON value (see {@code SuppressionRecords}). */
    public String suppressions() {
        return prefix + "suppressions";
    }

    /** The delay topics, in bucket order. */
    public List<String> delayTopics() {
        return delayBuckets.stream().map(this::delay).toList();
    }

    /** Every topic name. */
    public List<String> all() {
        return specs(1, 1, -1, 1).stream().map(TopicSpec::name).toList();
    }

    /** {@code max.message.bytes} for topics carrying messages of up to {@code maxMessageBytes}. */
    public static long maxRecordBytes(long maxMessageBytes) {
        return maxMessageBytes + RECORD_OVERHEAD_BYTES;
    }

    /**
     * The default specs: {@code outbound} with {@code outboundPartitions}, control and suppressions with one
     * partition (compacted, never expired; commands stay in order), every other topic with {@code partitions}.
     * All use zstd and {@code max.message.bytes} of {@link #maxRecordBytes(long)}.
     *
     * @param replicationFactor -1 for the broker default
     */
    public List<TopicSpec> specs(int outboundPartitions, int partitions, int replicationFactor, long maxMessageBytes) {
        Map<String, String> base = new HashMap<>();
        base.put("compression.type", "zstd");
        base.put("max.message.bytes", Long.toString(Math.min(Integer.MAX_VALUE, maxRecordBytes(maxMessageBytes))));
        Map<String, String> compacted = new HashMap<>(base);
        // "delete" only so that TopicBootstrap may delete the warm-up record (Kafka refuses
        // deleteRecords on compact-only topics); with no time or size limit nothing else is deleted.
        compacted.put("cleanup.policy", "compact,delete");
        compacted.put("retention.ms", "-1");
        compacted.put("retention.bytes", "-1");

        List<TopicSpec> specs = new ArrayList<>();
        specs.add(new TopicSpec(submissions(), partitions, replicationFactor, base));
        specs.add(new TopicSpec(outbound(), outboundPartitions, replicationFactor, base));
        specs.add(new TopicSpec(delivered(), partitions, replicationFactor, base));
        specs.add(new TopicSpec(bounced(), partitions, replicationFactor, base));
        specs.add(new TopicSpec(deferred(), partitions, replicationFactor, base));
        for (String d : delayTopics()) {
            specs.add(new TopicSpec(d, partitions, replicationFactor, base));
        }
        specs.add(new TopicSpec(dlq(), partitions, replicationFactor, base));
        specs.add(new TopicSpec(webhooksDlq(), partitions, replicationFactor, base));
        specs.add(new TopicSpec(control(), 1, replicationFactor, compacted));
        // One partition: every intake process reads the whole list; it is small and changes slowly.
        specs.add(new TopicSpec(suppressions(), 1, replicationFactor, compacted));
        return List.copyOf(specs);
    }

    @Override
    public String toString() {
        return "Topics[" + prefix + ", delay " + delayBuckets + "]";
    }
}

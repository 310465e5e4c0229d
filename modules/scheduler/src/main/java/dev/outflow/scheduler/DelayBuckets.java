package dev.outflow.scheduler;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import dev.outflow.core.config.ValueType;

/**
 * The delay buckets of the scheduler ({@code scheduler.buckets}, e.g. {@code 10s,1m,5m,15m,1h,4h})
 * and the two pure rules that drive it:
 * <ul>
 *   <li>{@link #route(long)}: where a message with {@code r} ms of delay left goes: {@code r <= 0}
 *       → {@link #OUTBOUND}; else the largest bucket whose delay is {@code <= r}; when {@code r} is
 *       below the smallest bucket, the smallest bucket (it waits there until exactly its
 *       {@code notBefore}).</li>
 *   <li>{@link #dueAt(int, long, long)}: when a record leaves bucket {@code b}:
 *       {@code min(recordTimestamp + delay(b), notBefore)}. Both inputs are stored in the record, so
 *       the due time survives a restart.</li>
 * </ul>
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * DelayBuckets b = DelayBuckets.parse(List.of("10s", "1m", "5m"));
 * b.route(90_000);   // 1 (the 1m bucket)
 * b.route(3_000);    // 0 (the 10s bucket, released at notBefore)
 * b.route(0);        // OUTBOUND
 * }</pre>
 */
public final class DelayBuckets {
    /** {@link #route(long)}'s answer for "due now: back to the outbound topic". */
    public static final int OUTBOUND = -1;

    private final List<String> names;
    private final long[] delaysMs;

    private DelayBuckets(List<String> names, long[] delaysMs) {
        this.names = names;
        this.delaysMs = delaysMs;
    }

    /**
     * Parses bucket names written as durations ({@code 500ms}, {@code 10s}, {@code 1m}, {@code 4h}).
     *
     * @throws IllegalArgumentException when the list is empty, a name is not a positive duration, or
     *                                  the buckets are not in strictly ascending order (the worker
     *                                  parks throttled records in the first bucket, which must
     *                                  therefore be the smallest)
     */
    public static DelayBuckets parse(List<String> names) {
        Objects.requireNonNull(names, "names");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("scheduler.buckets: at least one delay bucket is needed");
        }
        long[] delays = new long[names.size()];
        for (int i = 0; i < delays.length; i++) {
            Duration d = ValueType.parseDuration(names.get(i));
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("scheduler.buckets: bucket '" + names.get(i) + "' must be more than 0");
            }
            delays[i] = d.toMillis();
            if (i > 0 && delays[i] <= delays[i - 1]) {
                throw new IllegalArgumentException("scheduler.buckets: buckets must be in ascending order, '"
                        + names.get(i) + "' comes after '" + names.get(i - 1) + "'");
            }
        }
        return new DelayBuckets(List.copyOf(names), delays);
    }

    public int size() {
        return delaysMs.length;
    }

    /** The bucket's name as configured (also the suffix of its topic). */
    public String name(int bucket) {
        return names.get(bucket);
    }

    public List<String> names() {
        return names;
    }

    public long delayMs(int bucket) {
        return delaysMs[bucket];
    }

    /**
     * Where a message with {@code remainingMs} of delay left goes: {@link #OUTBOUND} when
     * {@code remainingMs <= 0}, else the index of the largest bucket whose delay is at most
     * {@code remainingMs}, else (shorter than every bucket) 0, the smallest bucket.
     */
    public int route(long remainingMs) {
        if (remainingMs <= 0) {
            return OUTBOUND;
        }
        for (int i = delaysMs.length - 1; i > 0; i--) {
            if (delaysMs[i] <= remainingMs) {
                return i;
            }
        }
        return 0;
    }

    /**
     * When a record written to {@code bucket} at {@code timestampMs} with {@code notBeforeMs} is
     * due to leave it: {@code min(timestamp + delay, notBefore)}.
     */
    public long dueAt(int bucket, long timestampMs, long notBeforeMs) {
        long byBucket = timestampMs > Long.MAX_VALUE - delaysMs[bucket] ? Long.MAX_VALUE : timestampMs + delaysMs[bucket];
        return Math.min(byBucket, notBeforeMs);
    }

    @Override
    public String toString() {
        return "DelayBuckets" + names;
    }
}

package dev.outflow.worker.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import dev.outflow.core.config.ValueType;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parks waiting records of saturated domains when their partition's window is full, so the other
 * domains of the partition keep flowing (no head-of-line blocking). Only records expected to wait
 * longer than the throttle delay anyway are parked ({@link Dispatcher#longWaiters}), so a partition
 * that carries little else than one busy but moving domain is not churned through the delay topic:
 * it just stays paused until its deliveries free the window. A parked record gets a copy on the
 * first delay bucket (same key, {@code throttled}, {@code notBefore = now + throttle delay}, attempt
 * unchanged) as its only output.
 *
 * <p>Records of a suspended destination ({@link Shaper}: the MX kept answering 421 / 4.7.x) are
 * parked whether or not the window is full, with {@code notBefore} = the end of the suspension, in
 * the largest delay bucket not longer than the wait: they spend no retry (attempt unchanged, no
 * event, no hook). Poll thread only; looks at most every 200 ms.
 */
final class Parking {
    private static final Logger log = LoggerFactory.getLogger(Parking.class);
    private static final long RESCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Dispatcher dispatcher;
    private final OutputRecords outputs;
    private final Clock clock;
    private final String topic;
    private final int windowLimit;
    private final java.time.Duration delay;
    private final List<String> bucketTopics;
    private final long[] bucketMillis;
    private long nextScan = System.nanoTime();

    Parking(Dispatcher dispatcher, OutputRecords outputs, LoopSettings s, Clock clock) {
        this.dispatcher = dispatcher;
        this.outputs = outputs;
        this.clock = clock;
        this.topic = s.topics().delayBuckets().isEmpty() ? null : s.topics().delay(s.topics().delayBuckets().getFirst());
        this.windowLimit = s.windowLimit();
        this.delay = s.throttleDelay();
        List<String> names = s.topics().delayBuckets();
        this.bucketTopics = names.stream().map(s.topics()::delay).toList();
        this.bucketMillis = names.stream().mapToLong(n -> ValueType.parseDuration(n).toMillis()).toArray();
    }

    /** The largest delay bucket not longer than {@code waitMillis}, else the first (as the scheduler routes). */
    String bucketFor(long waitMillis) {
        for (int i = bucketMillis.length - 1; i > 0; i--) if (bucketMillis[i] <= waitMillis) return bucketTopics.get(i);
        return bucketTopics.getFirst();
    }

    void park(Collection<PartitionWindow> windows) {
        if (topic == null) return;
        long now = System.nanoTime();
        if (now - nextScan < 0) return;
        nextScan = now + RESCAN_NANOS;
        parkSuspended();
        boolean full = false;
        for (PartitionWindow w : windows) full |= w.inProgress() >= windowLimit;
        if (!full) return;
        List<Job> candidates = dispatcher.longWaiters(delay.toNanos());
        Instant notBefore = null;
        Map<TopicPartition, Integer> parked = null;
        for (Job j : candidates) {
            PartitionWindow w = j.window;
            if (w.gone || w.inProgress() < windowLimit) continue;
            if (!dispatcher.withdraw(j, Job.State.PARKED)) continue; // started meanwhile
            if (notBefore == null) {
                notBefore = clock.instant().plus(delay);
                parked = new HashMap<>();
            }
            j.outputs = List.of(outputs.parked(j.record, j.message, notBefore, topic));
            j.kinds = Job.PARKED_BIT;
            w.left(j);
            w.grow(j, j.settledBytes() - j.bytes);
            parked.merge(w.tp, 1, Integer::sum);
        }
        if (parked != null) log.info("Parked record(s) of saturated domains for {}: {}", delay, parked);
    }

    private void parkSuspended() {
        List<Map.Entry<Job, Instant>> waiting = dispatcher.suspendedWaiters();
        if (waiting.isEmpty()) return;
        long now = clock.millis();
        Map<String, Integer> parked = new HashMap<>();
        for (Map.Entry<Job, Instant> e : waiting) {
            Job j = e.getKey();
            PartitionWindow w = j.window;
            if (w.gone || !dispatcher.withdraw(j, Job.State.PARKED)) continue;
            String bucket = bucketFor(e.getValue().toEpochMilli() - now);
            j.outputs = List.of(outputs.parked(j.record, j.message, e.getValue(), bucket));
            j.kinds = Job.PARKED_BIT | Job.SUSPENDED_BIT;
            w.left(j);
            w.grow(j, j.settledBytes() - j.bytes);
            parked.merge(j.shapeKey, 1, Integer::sum);
        }
        if (!parked.isEmpty()) log.info("Parked record(s) of suspended destinations until their back-off ends: {}", parked);
    }
}

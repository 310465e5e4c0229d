package dev.outflow.scheduler.internal;

import dev.outflow.codec.topics.DoneOffsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.codec.topics.Warmup;
import dev.outflow.scheduler.DelayBuckets;
import dev.outflow.stage.StageTransaction;

/**
 * The scheduler's single thread: polls the deferred topic and the delay buckets, holds bucket
 * records until due, and moves what is due in one transaction per iteration.
 *
 * <p>Waiting costs no CPU: {@code poll} blocks until the earliest due time (at most
 * {@value #MAX_WAIT_MS} ms, so flush and close are noticed), and a bucket partition whose
 * in-memory queue is full, or for the larger buckets whose head is not due, is paused. Partitions
 * come and go with the consumer group (cooperative rebalancing); a new owner rebuilds a partition's
 * queue from the committed offset and its metadata. When a transaction fails, every queue is
 * discarded and every partition rewound to its committed offset: nothing is lost and nothing is
 * moved twice.
 *
 * <p>Thread-safety: {@link #run()} on one thread; {@link #flush(long)}, {@link #stop()},
 * {@link #waiting()} and {@link #failure()} from any thread.
 */
public final class SchedulerLoop implements Runnable, ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(SchedulerLoop.class);
    /** Upper bound of {@code max.poll.records}; part of the commit-metadata size bound. */
    public static final int MAX_POLL_RECORDS = 1000;
    static final long MAX_WAIT_MS = 200;
    private static final int DEFERRED = -2;
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(30);
    private static final long MAX_BACKOFF_MS = 5_000;

    private final Consumer<byte[], byte[]> consumer;
    /** Moves the released records and the consumed offsets in one transaction; one record = one unit. */
    private final StageTransaction<ProducerRecord<byte[], byte[]>> mover;
    private final RecordRouter router;
    private final Clock clock;
    private final Counters counters;
    private final Map<String, Integer> bucketOfTopic = new HashMap<>();
    private final int readAhead;
    private final long readAheadBytes;
    private final Map<TopicPartition, PartitionQueue> queues = new HashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private final Outputs outputs = new Outputs();
    private final DoneOffsets.Encoder encoder = new DoneOffsets.Encoder();
    private final AtomicLong flushCutoff = new AtomicLong(Long.MIN_VALUE);
    private long appliedCutoff = Long.MIN_VALUE;
    private boolean needsRewind;
    private volatile boolean running = true;
    private volatile int waiting;
    private volatile int assigned;
    private volatile Throwable failure;

    /**
     * @param deferredTopic the topic of DEFERRED events
     * @param bucketTopics  the delay bucket topics, smallest first (index = bucket index)
     */
    public SchedulerLoop(Consumer<byte[], byte[]> consumer, StageTransaction<ProducerRecord<byte[], byte[]>> mover, RecordRouter router, Clock clock,
                         Counters counters, String deferredTopic, List<String> bucketTopics, DelayBuckets buckets,
                         int readAhead, long readAheadBytes) {
        if (bucketTopics.size() != buckets.size()) {
            throw new IllegalArgumentException("one topic per bucket expected: " + bucketTopics + " vs " + buckets);
        }
        this.consumer = consumer;
        this.mover = mover;
        this.router = router;
        this.clock = clock;
        this.counters = counters;
        this.readAhead = readAhead;
        this.readAheadBytes = readAheadBytes;
        bucketOfTopic.put(deferredTopic, DEFERRED);
        for (int i = 0; i < bucketTopics.size(); i++) {
            bucketOfTopic.put(bucketTopics.get(i), i);
        }
    }

    @Override
    public void run() {
        int failures = 0;
        try {
            consumer.subscribe(bucketOfTopic.keySet(), this);
            while (running) {
                try {
                    if (needsRewind) {
                        rewind();
                    }
                    iterate();
                    failures = 0;
                } catch (InterruptException e) {
                    throw e;
                } catch (CommitFailedException e) {
                    // The group rebalanced under the transaction (KIP-447 fencing): expected, not a fault.
                    needsRewind = true;
                    log.info("Group rebalanced during a transaction; rewinding to the committed offsets");
                } catch (RuntimeException e) {
                    needsRewind = true;
                    failures++;
                    log.warn("Scheduler iteration failed (attempt {}); rewinding to the committed offsets: {}", failures, e.toString());
                    log.debug("Scheduler iteration failure", e);
                    backOff(failures);
                }
            }
        } catch (Throwable t) {
            if (running) {
                failure = t;
                log.error("Retry scheduler stopped", t);
            }
        } finally {
            running = false;
            close();
        }
    }

    private void iterate() {
        long now = clock.millis();
        long wait = Math.max(0, Math.min(nextDue() - now, MAX_WAIT_MS));
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(wait));
        now = clock.millis();
        long cutoff = flushCutoff.get();
        outputs.clear();
        if (cutoff != appliedCutoff) {
            for (PartitionQueue q : queues.values()) {
                q.flush(cutoff);
            }
            appliedCutoff = cutoff;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
            dispatch(r, now, cutoff);
        }
        long releaseAt = now;
        for (PartitionQueue q : queues.values()) {
            q.releaseDue(releaseAt, e -> router.release(e, releaseAt, cutoff, outputs));
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = commitPoints();
        if (!outputs.isEmpty() || !offsets.isEmpty()) {
            long t0 = System.nanoTime();
            StageTransaction.Result result = mover.commit(outputs.records(), offsets, consumer.groupMetadata());
            if (result != StageTransaction.Result.COMMITTED) {
                // Nothing of it is visible and no offset moved: read again from the committed offsets.
                needsRewind = true;
                log.info("Transaction not committed ({}); rewinding to the committed offsets", result);
                return;
            }
            counters.add(outputs);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            if (tookMs > 100) {
                log.debug("Slow transaction: {} records, {} offsets, {} ms", outputs.records().size(), offsets.size(), tookMs);
            }
        }
        adjustPauses();
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> r, long now, long cutoff) {
        PartitionQueue q = queue(new TopicPartition(r.topic(), r.partition()));
        if (Warmup.isWarmup(r)) {
            q.pass(r.offset());
            return;
        }
        int bucket = bucketOfTopic.get(r.topic());
        if (bucket == DEFERRED) {
            router.routeDeferred(r, now, cutoff, outputs);
            q.pass(r.offset());
        } else if (q.releasedBefore(r.offset())) {
            q.pass(r.offset());
        } else {
            Entry e = router.read(r, bucket, cutoff, outputs);
            if (e == null) {
                q.pass(r.offset());
            } else {
                q.hold(e);
            }
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> commitPoints() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionQueue q : queues.values()) {
            OffsetAndMetadata o = q.commitPoint(encoder);
            if (o != null) {
                offsets.put(q.partition(), o);
            }
        }
        return offsets;
    }

    private long nextDue() {
        long next = Long.MAX_VALUE;
        for (PartitionQueue q : queues.values()) {
            next = Math.min(next, q.nextDue());
        }
        return next;
    }

    private void adjustPauses() {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        int w = 0;
        for (PartitionQueue q : queues.values()) {
            w += q.waiting();
            boolean full = q.full();
            if (full && paused.add(q.partition())) {
                pause.add(q.partition());
            } else if (!full && paused.remove(q.partition())) {
                resume.add(q.partition());
            }
        }
        waiting = w;
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    private PartitionQueue queue(TopicPartition tp) {
        PartitionQueue q = queues.get(tp);
        if (q == null) {
            // Normally built in onPartitionsAssigned; this covers a callback that failed half-way.
            q = newQueue(tp, consumer.committed(Set.of(tp), COMMITTED_TIMEOUT).get(tp));
            queues.put(tp, q);
        }
        return q;
    }

    private PartitionQueue newQueue(TopicPartition tp, OffsetAndMetadata committed) {
        int bucket = bucketOfTopic.get(tp.topic());
        if (bucket == 0) {
            return new PartitionQueue(tp, readAhead, readAheadBytes, committed);
        }
        // Larger buckets hold records due in append order: fetch no further than the head.
        return new PartitionQueue(tp, bucket == DEFERRED ? Integer.MAX_VALUE : 1, Long.MAX_VALUE, committed);
    }

    /** Drops every queue and seeks each assigned partition back to its committed offset. */
    private void rewind() {
        queues.clear();
        paused.clear();
        consumer.resume(consumer.paused());
        Set<TopicPartition> assignment = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assignment, COMMITTED_TIMEOUT);
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : assignment) {
            OffsetAndMetadata c = committed.get(tp);
            if (c != null) {
                consumer.seek(tp, c);
            } else {
                fromStart.add(tp);
            }
            queues.put(tp, newQueue(tp, c));
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
        needsRewind = false;
        log.info("Scheduler rewound {} partitions to their committed offsets", assignment.size());
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions), COMMITTED_TIMEOUT);
            for (TopicPartition tp : partitions) {
                queues.put(tp, newQueue(tp, committed.get(tp)));
            }
        }
        assigned = consumer.assignment().size();
        log.debug("Scheduler assigned {}", partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // Nothing to commit: every iteration commits before the next poll, the only place this runs.
        forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            queues.remove(tp);
            paused.remove(tp);
        }
        assigned = Math.max(0, assigned - partitions.size());
    }

    /** Every record written at or before {@code cutoffMs} is due now. */
    public void flush(long cutoffMs) {
        flushCutoff.accumulateAndGet(cutoffMs, Math::max);
    }

    /** Records held in memory (as of the last iteration). */
    public int waiting() {
        return waiting;
    }

    /** Partitions this instance owns now. */
    public int assignedPartitions() {
        return assigned;
    }

    /** Why the loop stopped on its own, or null. */
    public Throwable failure() {
        return failure;
    }

    public boolean running() {
        return running;
    }

    /** Asks the loop to finish its iteration and stop; {@code poll} returns within {@value #MAX_WAIT_MS} ms. */
    public void stop() {
        running = false;
    }

    private void backOff(int failures) {
        long ms = Math.min(MAX_BACKOFF_MS, 50L << Math.min(failures, 7));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private void close() {
        try {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
        } catch (RuntimeException e) {
            log.debug("Closing the scheduler's consumer failed: {}", e.toString());
        }
        mover.close();
        waiting = 0;
        assigned = 0;
    }
}

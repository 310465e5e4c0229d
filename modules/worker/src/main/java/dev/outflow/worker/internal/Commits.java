package dev.outflow.worker.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;

/**
 * The poll thread's side of committing: collects the completed prefixes into a pending
 * {@link Batch}, hands it to the {@link CommitPipeline} every commit interval (or when it reaches
 * the batch limit) if no other batch is in flight, and acts on the results: counts and hooks after
 * a commit, the batch back in front of the pending one after a retriable failure, everything given
 * up when the group is lost. Poll thread only.
 *
 * <p>Ownership rule: a batch is handed over only with the consumer's current group metadata and
 * only with jobs and offsets of partitions this worker owns now ({@link Batch#dropGone()} right
 * before every hand-over, and on every batch put back after a failure). A batch already handed
 * over before a revocation carries the older generation: the group coordinator refuses its
 * offsets once the group has moved on, so it either committed while the partition was still
 * ours (outputs and offsets together; the next owner's offset fetch waits for it, being
 * {@code read_committed}) or comes back here as {@code RETRY_LATER} and loses the revoked part.
 */
final class Commits implements AutoCloseable {
    /** After a batch could not commit, wait this long (polling meanwhile) before the next try. */
    private static final long RETRY_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final CommitPipeline pipeline;
    private final long intervalNanos;
    private final int maxBatch;
    private final Counters counters;
    private final Consumer<List<Job>> afterCommit;
    private final Consumer<List<Job>> groupLost;
    private Batch pending = new Batch();
    private Batch inFlight;
    private long retryNotBefore = System.nanoTime();

    /**
     * @param afterCommit runs with the jobs of each committed batch (delivered hooks)
     * @param groupLost   runs with every job given up after the group was lost
     */
    Commits(CommitPipeline pipeline, LoopSettings s, Counters counters, Consumer<List<Job>> afterCommit,
            Consumer<List<Job>> groupLost) {
        this.pipeline = pipeline;
        this.intervalNanos = s.commitInterval().toNanos();
        this.maxBatch = s.maxBatch();
        this.counters = counters;
        this.afterCommit = afterCommit;
        this.groupLost = groupLost;
    }

    void start() {
        pipeline.start();
    }

    void add(Job j) {
        pending.add(j);
    }

    void offset(PartitionWindow w, long next, String metadata) {
        pending.offset(w, next, metadata);
    }

    /** Handles finished batches, then hands the pending one over when it is due and the pipeline is free. */
    void tick(Supplier<ConsumerGroupMetadata> group) {
        Batch done;
        while ((done = pipeline.poll()) != null) handle(done);
        if (pending.isEmpty() || inFlight != null) return;
        long now = System.nanoTime();
        if (now - retryNotBefore < 0) return;
        if (now - pending.since < intervalNanos && pending.jobs.size() < maxBatch) return;
        submit(group);
    }

    /**
     * Commits everything pending now and waits for it (revoke, shutdown).
     *
     * @return true when nothing is left uncommitted
     */
    boolean flush(Duration timeout, Supplier<ConsumerGroupMetadata> group) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (inFlight != null) {
                awaitInFlight(Duration.ofMillis(100));
            } else if (!pending.isEmpty()) {
                if (!submit(group)) return false;
            } else {
                return true;
            }
        }
        return false;
    }

    /** Waits (bounded) for the batch in flight, if any, and handles its result. */
    void awaitInFlight(Duration timeout) {
        if (inFlight == null) return;
        Batch b = pipeline.await(timeout);
        if (b != null) handle(b);
    }

    /**
     * Hands the pending batch over, without what belongs to partitions no longer owned.
     *
     * @return false when it cannot go now: the consumer has no group generation (it was just
     *     fenced or is rejoining; the next poll tells which partitions are still ours)
     */
    private boolean submit(Supplier<ConsumerGroupMetadata> group) {
        counters.abandoned.addAndGet(pending.dropGone().size());
        if (pending.isEmpty()) return true;
        ConsumerGroupMetadata metadata = group.get();
        // Without a generation the coordinator would take the offsets as a "simple" commit, with no
        // fencing at all: the partitions may already belong to another member.
        if (metadata.generationId() <= 0) return false;
        pending.group = metadata;
        inFlight = pending;
        pipeline.submit(pending);
        pending = new Batch();
        return true;
    }

    private void handle(Batch b) {
        inFlight = null;
        switch (b.result) {
            case COMMITTED -> {
                counters.transactions.incrementAndGet();
                b.committed();
                for (int i = 0; i < b.jobs.size(); i++) counters.count(b.jobs.get(i));
                afterCommit.accept(b.jobs);
            }
            case RETRY_LATER -> {
                counters.abandoned.addAndGet(pending.prepend(b).size());
                retryNotBefore = System.nanoTime() + RETRY_BACKOFF_NANOS;
            }
            case GROUP_LOST -> {
                List<Job> all = new ArrayList<>(b.jobs);
                all.addAll(pending.jobs);
                pending = new Batch();
                groupLost.accept(all);
            }
        }
    }

    /** Forgets pending jobs and offsets of windows that are gone (revoked or lost partitions). */
    void dropGone() {
        counters.abandoned.addAndGet(pending.dropGone().size());
    }

    /** Jobs done but not yet committed (pending and in flight). */
    int held() {
        return pending.jobs.size() + (inFlight == null ? 0 : inFlight.jobs.size());
    }

    /** Bytes of the jobs done but not yet committed (pending and in flight). */
    long heldBytes() {
        return pending.bytes + (inFlight == null ? 0 : inFlight.bytes);
    }

    /** Stops as a crash would. */
    void halt() {
        pipeline.halt();
    }

    @Override
    public void close() {
        pipeline.close();
    }
}

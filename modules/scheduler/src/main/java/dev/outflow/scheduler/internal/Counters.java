package dev.outflow.scheduler.internal;

import java.util.concurrent.atomic.LongAdder;

import dev.outflow.scheduler.SchedulerStats;

/**
 * The scheduler's running totals, added to once per committed transaction. Thread-safe: the loop
 * writes, anyone reads.
 */
public final class Counters {
    private final LongAdder released = new LongAdder();
    private final LongAdder flushed = new LongAdder();
    private final LongAdder routed = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LatenessHistogram lateness = new LatenessHistogram();

    /** Counts what a committed transaction carried. */
    public void add(Outputs committed) {
        released.add(committed.released());
        flushed.add(committed.flushed());
        routed.add(committed.routed());
        deadLettered.add(committed.deadLettered());
        for (int i = 0; i < committed.released(); i++) {
            lateness.record(committed.lateness(i));
        }
    }

    public SchedulerStats snapshot(int waiting) {
        return new SchedulerStats(released.sum(), flushed.sum(), routed.sum(), deadLettered.sum(), waiting,
                lateness.snapshot());
    }
}

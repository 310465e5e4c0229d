package dev.outflow.worker.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a worker has published, counted when the transaction holding it committed (so a count
 * never includes work that was rolled back). One count per record handled, by the events it
 * produced: a record with delivered and deferred recipients counts in both. Thread-safe.
 */
public final class Counters {
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong deferred = new AtomicLong();
    final AtomicLong bounced = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong parked = new AtomicLong();
    final AtomicLong dsns = new AtomicLong();
    final AtomicLong suspendedParked = new AtomicLong();
    final AtomicLong records = new AtomicLong();
    final AtomicLong transactions = new AtomicLong();
    final AtomicLong abandoned = new AtomicLong();
    final AtomicLong cutShort = new AtomicLong();
    final AtomicLong skippedDone = new AtomicLong();
    final AtomicLong budgetPauses = new AtomicLong();
    final AtomicLong peakInflightBytes = new AtomicLong();

    void count(Job j) {
        records.incrementAndGet();
        int k = j.kinds;
        if (k == 0) return;
        if ((k & Job.DELIVERED) != 0) delivered.incrementAndGet();
        if ((k & Job.DEFERRED) != 0) deferred.incrementAndGet();
        if ((k & Job.BOUNCED) != 0) bounced.incrementAndGet();
        if ((k & Job.DROPPED) != 0) dropped.incrementAndGet();
        if ((k & Job.REJECTED) != 0) rejected.incrementAndGet();
        if ((k & Job.DEAD_LETTER) != 0) deadLettered.incrementAndGet();
        if ((k & Job.PARKED_BIT) != 0) parked.incrementAndGet();
        if ((k & Job.DSN) != 0) dsns.incrementAndGet();
        if ((k & Job.SUSPENDED_BIT) != 0) suspendedParked.incrementAndGet();
    }

    /** Records with a DELIVERED event. */
    public long delivered() { return delivered.get(); }
    /** Records with a DEFERRED event (a retry was queued). */
    public long deferred() { return deferred.get(); }
    /** Records with a BOUNCED event. */
    public long bounced() { return bounced.get(); }
    /** Records with a DROPPED event (the deferred hook said OK). */
    public long dropped() { return dropped.get(); }
    /** Decodable but invalid records (REJECTED event and DLQ copy). */
    public long rejected() { return rejected.get(); }
    /** Records copied to the DLQ (undecodable, invalid, or failing inside the worker). */
    public long deadLettered() { return deadLettered.get(); }
    /** Records parked to the first delay bucket because their domain was saturated. */
    public long parked() { return parked.get(); }
    /** Records parked (among {@link #parked()}) because their destination was suspended by a back-off. */
    public long suspendedParked() { return suspendedParked.get(); }
    /** DSNs queued to outbound. */
    public long dsns() { return dsns.get(); }
    /** Records whose offsets were committed, warm-up records included. */
    public long records() { return records.get(); }
    /** Committed transactions. */
    public long transactions() { return transactions.get(); }
    /** Records given up uncommitted (revoked partition, shutdown timeout): redelivered elsewhere. */
    public long abandoned() { return abandoned.get(); }
    /** Delivery attempts cut short because they held up their partition ({@code outbound.partition_hold_timeout}). */
    public long cutShort() { return cutShort.get(); }
    /** Records skipped because a former owner of their partition had finished them (commit metadata): duplicates avoided. */
    public long skippedDone() { return skippedDone.get(); }
    /** Times the worker stopped taking records because its in-flight bytes reached {@code outbound.inflight_bytes}. */
    public long budgetPauses() { return budgetPauses.get(); }
    /** The most bytes held in flight at once (see {@code outbound.inflight_bytes}). */
    public long peakInflightBytes() { return peakInflightBytes.get(); }
}

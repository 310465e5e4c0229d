package dev.outflow.router.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The router's counts of committed work: each counts what a committed transaction holds, so after
 * a crash and restart nothing is counted twice in one process. Thread-safe reads; the stream
 * thread writes ({@link Tally} collects the open transaction's counts, {@link Transaction} adds
 * them when the producer's commit returns).
 */
public final class RouterCounters {
    private final AtomicLong submissions = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong parts = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();

    /** Records of the submissions topic read and committed (warm-up records and retry topics excluded). */
    public long submissions() {
        return submissions.get();
    }

    /** Submissions queued to the outbound topic. */
    public long accepted() {
        return accepted.get();
    }

    /** Outbound records written (one per domain or shard of an accepted submission). */
    public long parts() {
        return parts.get();
    }

    /** Submissions skipped because their id was queued within the dedupe window. */
    public long duplicates() {
        return duplicates.get();
    }

    /** Submissions dead-lettered with a REJECTED event. */
    public long rejected() {
        return rejected.get();
    }

    /** Submissions a queue_outbound plugin took (answered OK). */
    public long handled() {
        return handled.get();
    }

    /**
     * Times a submission was put on a retry topic after a temporary refusal. A submission waiting
     * there has no final outcome yet: submissions = accepted + handled + rejected + duplicates +
     * those waiting.
     */
    public long retried() {
        return retried.get();
    }

    /** Transactions committed. */
    public long transactions() {
        return transactions.get();
    }

    /** Transactions aborted (their records are read again). */
    public long aborted() {
        return aborted.get();
    }

    void committed(Tally t) {
        submissions.addAndGet(t.submissions);
        accepted.addAndGet(t.accepted);
        parts.addAndGet(t.parts);
        duplicates.addAndGet(t.duplicates);
        rejected.addAndGet(t.rejected);
        handled.addAndGet(t.handled);
        retried.addAndGet(t.retried);
        transactions.incrementAndGet();
    }

    void countAbort() {
        aborted.incrementAndGet();
    }

    @Override
    public String toString() {
        return "submissions=" + submissions() + " accepted=" + accepted() + " parts=" + parts() + " duplicates=" + duplicates()
                + " rejected=" + rejected() + " handled=" + handled() + " retried=" + retried() + " transactions=" + transactions() + " aborted=" + aborted();
    }

    /** Counts of the open transaction. Stream thread only (guarded by {@link Transaction}). */
    static final class Tally {
        long submissions;
        long accepted;
        long parts;
        long duplicates;
        long rejected;
        long handled;
        long retried;

        /** @param fromSubmissions the record came from the submissions topic, not a retry topic */
        void add(RecordHandler.Decision d, boolean fromSubmissions) {
            if (fromSubmissions) submissions++;
            switch (d.kind()) {
                case ACCEPTED -> {
                    accepted++;
                    parts += d.parts();
                }
                case HANDLED -> handled++;
                case REJECTED -> rejected++;
                case DUPLICATE -> duplicates++;
                case RETRY -> retried++;
            }
        }

        void clear() {
            submissions = accepted = parts = duplicates = rejected = handled = retried = 0;
        }
    }
}

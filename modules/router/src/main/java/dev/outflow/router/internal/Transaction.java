package dev.outflow.router.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The open transaction of the router's stream thread, as the router counts it: the decisions
 * taken since the last commit ({@link RouterCounters.Tally}), added to the counters when the
 * transaction commits, forgotten when it aborts. Also ends {@link Refusals}' bookkeeping of the
 * transaction's outputs. Thread-safe (the stream thread writes; a halt comes from a test thread).
 */
public final class Transaction {
    private final RouterCounters counters;
    private final Refusals refusals;
    private final RouterCounters.Tally tally = new RouterCounters.Tally();
    private final List<Refusals.Source> remedies = new ArrayList<>();
    private long records;
    private volatile boolean halting;
    private volatile boolean halted;
    private volatile long uncommittedAtHalt = -1;

    public Transaction(RouterCounters counters, Refusals refusals) {
        this.counters = counters;
        this.refusals = refusals;
    }

    /** A decision taken in the open transaction. */
    synchronized void add(RecordHandler.Decision d, boolean fromSubmissions) {
        tally.add(d, fromSubmissions);
        records++;
    }

    /** A refused record's rejection is in the open transaction: forgotten by {@link Refusals} once committed. */
    synchronized void remedied(Refusals.Source s) {
        remedies.add(s);
    }

    synchronized long records() {
        return records;
    }

    synchronized void committed() {
        if (records > 0) counters.committed(tally);
        for (Refusals.Source s : remedies) refusals.resolved(s);
        clear();
    }

    synchronized void aborted() {
        if (records > 0) counters.countAbort();
        clear();
    }

    private void clear() {
        tally.clear();
        remedies.clear();
        records = 0;
        refusals.transactionEnded();
    }

    /** Test hook: the next commit holding records throws instead. */
    public void halt() {
        halting = true;
    }

    boolean halting() {
        return halting;
    }

    synchronized void halted() {
        uncommittedAtHalt = records;
        halted = true;
    }

    public boolean isHalted() {
        return halted;
    }

    /** Decisions in the transaction abandoned by the halt, or -1 before it. */
    public long uncommittedAtHalt() {
        return uncommittedAtHalt;
    }
}

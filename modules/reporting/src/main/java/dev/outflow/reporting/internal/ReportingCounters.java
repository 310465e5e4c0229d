package dev.outflow.reporting.internal;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one reporting instance, shown on /metrics. Thread-safe. */
public final class ReportingCounters {
    public final AtomicLong events = new AtomicLong();
    public final AtomicLong undecodable = new AtomicLong();
    public final AtomicLong undecodableOutbound = new AtomicLong();
    public final AtomicLong duplicates = new AtomicLong();
    public final AtomicLong suppressed = new AtomicLong();
}

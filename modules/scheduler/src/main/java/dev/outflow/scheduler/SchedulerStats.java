package dev.outflow.scheduler;

/**
 * Counters of a {@link RetryScheduler} since it started. Every count is of records whose Kafka
 * transaction committed.
 *
 * @param released     records republished to the outbound topic because they were due
 * @param flushed      records republished to the outbound topic early by a flush
 * @param routed       records written to a delay bucket (from the deferred topic, or a cascade
 *                     from a larger bucket to a smaller one)
 * @param deadLettered records sent to the DLQ (undecodable, deferred event without a message)
 * @param waiting      records held in memory now, waiting for their due time
 * @param lateness     how late the {@code released} records left, relative to their {@code notBefore}
 */
public record SchedulerStats(long released, long flushed, long routed, long deadLettered, long waiting, Lateness lateness) {

    /**
     * Release lateness in milliseconds ({@code released} records only; flushed ones leave early on
     * purpose). Percentiles have 1 ms resolution below 10 s and 1 s above.
     *
     * @param early records that left before their {@code notBefore}: always 0 unless clocks jump back
     */
    public record Lateness(long count, long p50Ms, long p90Ms, long p99Ms, long maxMs, double meanMs, long early) {
    }
}

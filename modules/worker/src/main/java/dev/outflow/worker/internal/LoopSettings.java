package dev.outflow.worker.internal;

import dev.outflow.codec.topics.Topics;
import java.time.Duration;

/**
 * The fixed settings of a poll loop (hot keys are read from the live config instead).
 *
 * @param topics          topic names
 * @param workerId        id in events and the transactional id
 * @param commitInterval  how often a transaction commits ({@code worker.commit_interval})
 * @param maxBatch        jobs in one transaction before it commits early
 * @param shutdownTimeout how long in-flight deliveries may finish on close ({@code worker.shutdown_timeout})
 * @param revokeTimeout   how long in-flight deliveries of revoked partitions may finish
 * @param windowLimit     records in progress per partition ({@code outbound.inflight_per_partition})
 * @param holdLimit       records taken but unpublished per partition (completed out of order included)
 * @param throttleDelay   delay of a parked record ({@code outbound.throttle_delay})
 * @param initTimeout     how long start-up may wait for the broker (transactions, group coordinator)
 * @param inflightBytes   bytes of records taken but not committed, and their outputs, above which
 *                        no more records are taken ({@code outbound.inflight_bytes}, resolved)
 * @param holdTimeout     how long a delivery may hold back finished records of its partition
 *                        before it is cut short ({@code outbound.partition_hold_timeout})
 */
public record LoopSettings(Topics topics, String workerId, Duration commitInterval, int maxBatch, Duration shutdownTimeout,
                           Duration revokeTimeout, int windowLimit, int holdLimit, Duration throttleDelay, Duration initTimeout,
                           long inflightBytes, Duration holdTimeout) {
    public LoopSettings {
        if (inflightBytes < 1) throw new IllegalArgumentException("inflightBytes must be at least 1");
        if (windowLimit < 1) throw new IllegalArgumentException("windowLimit must be at least 1");
        if (holdLimit < windowLimit) throw new IllegalArgumentException("holdLimit must be at least windowLimit");
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be at least 1");
    }
}

package dev.outflow.router.internal;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Finds the submission whose outputs the broker refuses, so it is rejected instead of aborting
 * every transaction forever (e.g. an outbound part over a topic's {@code max.message.bytes} that
 * was lowered after the router started). After a record-level error (too large, invalid), or
 * {@value #FAILURES_TO_ISOLATE} failed transactions in a row (the producer may hide the broker's
 * refusal behind a transaction timeout), the records of the failed transaction are committed one
 * per transaction; a single record whose transaction fails with a record-level error is the
 * culprit. Transient errors (timeouts, a broker down) never mark a record.
 *
 * <p>The culprit is first rejected with its DLQ copy and REJECTED event; if that also fails (the
 * DLQ refuses the copy), with the event only; then skipped with an error log.
 *
 * <p>Poll thread only.
 */
final class Isolation {
    static final int FAILURES_TO_ISOLATE = 3;

    /** How a refused record is handled on its next reading. */
    enum Remedy { NONE, REJECT, REJECT_WITHOUT_COPY, SKIP }

    private int remaining;
    private TopicPartition culpritTp;
    private long culpritOffset = -1;
    private Throwable culpritError;
    private int strikes;

    /** True while records are committed one by one. */
    boolean active() {
        return remaining > 0;
    }

    /**
     * A transaction failed. A record-level error starts isolation at once, other errors after
     * {@value #FAILURES_TO_ISOLATE} failures in a row; a record-level error of a one-record
     * transaction names the culprit.
     *
     * @param first the first offset of each partition in the failed transaction
     */
    void failed(int consecutiveFailures, Map<TopicPartition, Long> first, int records, Throwable cause) {
        Throwable recordError = recordError(cause);
        if (remaining == 0 && records > 0 && (recordError != null || consecutiveFailures >= FAILURES_TO_ISOLATE)) {
            remaining = records;
        }
        if (remaining > 0 && recordError != null && records == 1 && first.size() == 1) {
            Map.Entry<TopicPartition, Long> e = first.entrySet().iterator().next();
            if (e.getKey().equals(culpritTp) && e.getValue() == culpritOffset) {
                strikes++;
            } else {
                culpritTp = e.getKey();
                culpritOffset = e.getValue();
                strikes = 1;
            }
            culpritError = recordError;
        }
    }

    /** Records committed: counts down the one-by-one phase. */
    void committed(int records) {
        if (remaining > 0) remaining = Math.max(0, remaining - records);
    }

    /** What to do with {@code r}: {@link Remedy#NONE} unless it is the record the broker refused. */
    Remedy remedy(ConsumerRecord<?, ?> r) {
        if (culpritOffset < 0 || r.offset() != culpritOffset || r.partition() != culpritTp.partition()
                || !r.topic().equals(culpritTp.topic())) {
            return Remedy.NONE;
        }
        return switch (strikes) {
            case 1 -> Remedy.REJECT;
            case 2 -> Remedy.REJECT_WITHOUT_COPY;
            default -> Remedy.SKIP;
        };
    }

    /** The broker's error for the culprit. */
    Throwable error() {
        return culpritError;
    }

    /** The culprit was committed (rejected or skipped): back to normal transactions. */
    void resolved() {
        remaining = 0;
        culpritTp = null;
        culpritOffset = -1;
        culpritError = null;
        strikes = 0;
    }

    /** The first record-level error in the cause chain, or null for anything else. */
    static Throwable recordError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RecordTooLargeException || c instanceof RecordBatchTooLargeException || c instanceof InvalidRecordException) {
                return c;
            }
        }
        return null;
    }
}

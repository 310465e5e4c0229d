package dev.outflow.scheduler.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The records one loop iteration produces (to the outbound topic, a delay bucket or the DLQ),
 * committed together in one Kafka transaction, and what they count for once it commits.
 * Reused across iterations. Not thread-safe.
 */
public final class Outputs {
    private final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    private long[] lateness = new long[256];
    private int released;
    private int flushed;
    private int routed;
    private int deadLettered;

    /** A due record back to the outbound topic, {@code latenessMs} after its {@code notBefore}. */
    public void released(ProducerRecord<byte[], byte[]> record, long latenessMs) {
        records.add(record);
        if (released == lateness.length) {
            lateness = Arrays.copyOf(lateness, released * 2);
        }
        lateness[released++] = latenessMs;
    }

    /** A record released ahead of its {@code notBefore} by a flush. */
    public void flushed(ProducerRecord<byte[], byte[]> record) {
        records.add(record);
        flushed++;
    }

    /** A record written to a delay bucket. */
    public void routed(ProducerRecord<byte[], byte[]> record) {
        records.add(record);
        routed++;
    }

    /** A poison record for the DLQ. */
    public void deadLettered(ProducerRecord<byte[], byte[]> record) {
        records.add(record);
        deadLettered++;
    }

    public List<ProducerRecord<byte[], byte[]>> records() {
        return records;
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    public int released() {
        return released;
    }

    public long lateness(int i) {
        return lateness[i];
    }

    public int flushed() {
        return flushed;
    }

    public int routed() {
        return routed;
    }

    public int deadLettered() {
        return deadLettered;
    }

    public void clear() {
        records.clear();
        released = 0;
        flushed = 0;
        routed = 0;
        deadLettered = 0;
    }
}

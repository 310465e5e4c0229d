package dev.outflow.worker.internal;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.hooks.Delivered;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One consumed record on its way through the worker: taken from a partition, waiting for a
 * delivery slot, delivering, done (its output records ready), or abandoned (its partition was
 * given up; the record will be redelivered to the next owner).
 *
 * <p>Owned by the poll thread, except between dispatch and completion, when only the delivery
 * thread writes its outputs; the completion queue hands it back (happens-before). Only
 * {@link #state} is shared while the job waits (see {@link Dispatcher}).
 */
final class Job {
    enum State { WAITING, RUNNING, DONE, PARKED, ABANDONED }

    /** Bits of {@link #kinds}: what a completed job publishes, for the counters. */
    static final int DELIVERED = 1;
    static final int DEFERRED = 1 << 1;
    static final int BOUNCED = 1 << 2;
    static final int DROPPED = 1 << 3;
    static final int REJECTED = 1 << 4;
    static final int DEAD_LETTER = 1 << 5;
    static final int PARKED_BIT = 1 << 6;
    static final int DSN = 1 << 7;
    /** With {@link #PARKED_BIT}: parked because its destination is suspended (back-off). */
    static final int SUSPENDED_BIT = 1 << 8;

    final PartitionWindow window;
    final ConsumerRecord<byte[], byte[]> record;
    /** The decoded message; null for warm-up and undecodable records. */
    final OutboundMessage message;
    /** What to deliver; null when the record is not deliverable (its outputs are set at once). */
    final Delivery delivery;
    /** Key of the per-domain limit; null when not deliverable. */
    final String domain;

    /** Its destination in the dispatcher: the domain or its shaping rule's match; set when queued. */
    String shapeKey;
    /** Held back by a rate at least once (counted once). Under the dispatcher's lock. */
    boolean held;
    /** Written by the poll thread, and by a delivery thread when it starts the job (under the dispatcher's lock). */
    volatile State state;
    /** Records to publish in the transaction that commits this job's offset. */
    List<ProducerRecord<byte[], byte[]>> outputs = List.of();
    int kinds;
    /** Parameters of the delivered hook, called after the commit; null when nothing was delivered. */
    Delivered delivered;
    /** Set by the delivery thread when the task itself failed (an Error): the poll thread dead-letters the record. */
    Throwable failure;
    /**
     * Bytes charged to the worker's in-flight budget: the record (raw and decoded) from intake,
     * plus its outputs once they are set. Poll thread only.
     */
    long bytes;
    /**
     * Its outputs went into a batch ahead of the partition's committed prefix (its offset is then
     * carried in the commit metadata until the prefix passes it). Poll thread only.
     */
    boolean published;
    /** When its delivery attempt started (nanoTime); 0 before. */
    volatile long startedNanos;
    /** The thread running its delivery attempt, while it runs; guarded by this job's monitor. */
    private Thread attempt;
    /** Set once its attempt was cut short ({@link #cut()}); guarded by this job's monitor. */
    private boolean cut;

    private Job(PartitionWindow window, ConsumerRecord<byte[], byte[]> record, OutboundMessage message, Delivery delivery,
                String domain, State state) {
        this.window = window;
        this.record = record;
        this.message = message;
        this.delivery = delivery;
        this.domain = domain;
        this.state = state;
    }

    /** A record to deliver: waits for a slot. */
    static Job deliverable(PartitionWindow w, ConsumerRecord<byte[], byte[]> r, OutboundMessage m, Delivery d) {
        return new Job(w, r, m, d, d.domain(), State.WAITING);
    }

    /** A record handled without delivery (warm-up, poison, rejected): done once its outputs are set. */
    static Job handled(PartitionWindow w, ConsumerRecord<byte[], byte[]> r, OutboundMessage m,
                       List<ProducerRecord<byte[], byte[]>> outputs, int kinds) {
        Job j = new Job(w, r, m, null, null, State.DONE);
        j.outputs = outputs;
        j.kinds = kinds;
        return j;
    }

    long offset() {
        return record.offset();
    }

    /** The calling thread runs this job's delivery attempt until {@link #attemptEnded()}. */
    synchronized void attemptStarted() {
        startedNanos = System.nanoTime();
        attempt = Thread.currentThread();
    }

    /**
     * The attempt returned: it can no longer be cut. Clears an interrupt {@link #cut()} may have
     * left, so the delivery thread's next job is not hit by it.
     *
     * @return true when the attempt was cut short
     */
    boolean attemptEnded() {
        boolean wasCut;
        synchronized (this) {
            attempt = null;
            wasCut = cut;
        }
        Thread.interrupted();
        return wasCut;
    }

    /**
     * Cuts a running attempt short: interrupts its thread, which closes the socket it blocks on
     * (virtual threads), so the attempt ends as a network failure. Any thread.
     *
     * @return false when no attempt is running or it was cut already
     */
    synchronized boolean cut() {
        if (attempt == null || cut) return false;
        cut = true;
        attempt.interrupt();
        return true;
    }

    /**
     * Heap a taken record costs until its offset is committed: its bytes as consumed and once more
     * decoded (the message contents are copied out of the record).
     */
    static long recordBytes(ConsumerRecord<byte[], byte[]> r) {
        return 2L * (128 + Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize()));
    }

    /** What this job costs once completed, until its commit: its record and its outputs. */
    long settledBytes() {
        return recordBytes(record) + size(outputs);
    }

    /** Approximate heap bytes of records: key and value arrays (and their headers, roughly). */
    static long size(List<ProducerRecord<byte[], byte[]>> records) {
        long n = 0;
        for (int i = 0; i < records.size(); i++) {
            ProducerRecord<byte[], byte[]> r = records.get(i);
            n += 64 + (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        }
        return n;
    }

    /** Waiting or delivering: counts against the partition's in-flight window. */
    boolean inProgress() {
        return state == State.WAITING || state == State.RUNNING;
    }

    /** Its outputs may be published once every earlier offset of the partition may be. */
    boolean completed() {
        return state == State.DONE || state == State.PARKED;
    }

    @Override
    public String toString() {
        return "Job[" + record.topic() + "-" + record.partition() + "@" + record.offset() + " " + state + "]";
    }
}

package dev.outflow.router.internal;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which input record's outputs the broker refused, so that the record is rejected when it is
 * decided again. Under exactly-once a refused send poisons the whole transaction: Kafka Streams
 * aborts it and processes the same input again from the last commit. The processor registers every
 * output it forwards ({@link #sent}); {@link RefusalHandler} finds the input of a refused output
 * here ({@link #refused}); on the next decision of that input the processor asks for its
 * {@link #remedy}: reject it with a DLQ copy, then (if the copy was refused too) without one, then
 * drop its outputs altogether. The loop this replaces found the record by bisection
 * ({@code Isolation}); here the send callback names it directly.
 *
 * <p>Thread-safe: the stream thread registers, the producer's I/O thread reports refusals.
 */
public final class Refusals {
    /** What to do with a record whose outputs were refused {@code n} times. */
    public enum Remedy { NONE, REJECT, REJECT_WITHOUT_COPY, DROP }

    /** An input record: topic, partition, offset. */
    public record Source(String topic, int partition, long offset) {
    }

    /** The last refusal of one input and how many there were. */
    public record Refusal(Exception error, int times) {
    }

    private static final int MAX_REMEMBERED = 10_000;

    // Outputs of the open transaction, by identity of their value array (the one the producer sends).
    private final Map<byte[], Source> open = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Map<Source, Refusal> refused = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Source, Refusal> eldest) {
            return size() > MAX_REMEMBERED;
        }
    });

    /** Registers an output of {@code source} about to be sent in the open transaction. */
    public void sent(byte[] value, Source source) {
        if (value != null) open.put(value, source);
    }

    /** The producer refused the output with this value array; false when it is not one of ours. */
    public boolean refused(byte[] value, Exception error) {
        Source s = value == null ? null : open.get(value);
        if (s == null) return false;
        refused.merge(s, new Refusal(error, 1), (a, b) -> new Refusal(error, a.times() + 1));
        return true;
    }

    /** The transaction ended (committed or aborted): its outputs are no longer in flight. */
    public void transactionEnded() {
        open.clear();
    }

    public Remedy remedy(Source s) {
        Refusal r = refused.get(s);
        if (r == null) return Remedy.NONE;
        return switch (r.times()) {
            case 1 -> Remedy.REJECT;
            case 2 -> Remedy.REJECT_WITHOUT_COPY;
            default -> Remedy.DROP;
        };
    }

    public Exception error(Source s) {
        Refusal r = refused.get(s);
        return r == null ? null : r.error();
    }

    /** The remedy of {@code s} was committed: forgotten. */
    public void resolved(Source s) {
        refused.remove(s);
    }
}

package dev.outflow.stage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional producer of a consume-transform-produce stage (worker, scheduler): one call
 * publishes the outputs of some units of work (a delivered record, a released record) and commits
 * the consumed offsets with {@code sendOffsetsToTransaction} and the consumer's group metadata,
 * which fences zombies (KIP-447). One set of error rules for every stage:
 *
 * <ul>
 *   <li>An abortable error (including CONCURRENT_TRANSACTIONS and OUT_OF_ORDER_SEQUENCE_NUMBER,
 *       seen on fresh partitions) aborts and sends the same records again in a new transaction,
 *       up to {@value #ATTEMPTS} times, then reports {@link Result#RETRY_LATER}.</li>
 *   <li>A fatal one (fenced producer, invalid state) closes the producer and creates a new one
 *       with the same {@code transactional.id}, whose {@code initTransactions} aborts whatever the
 *       old one left open.</li>
 *   <li>Offsets refused because of a rebalance (stale generation, unknown member) abort and report
 *       {@link Result#RETRY_LATER}: the caller polls, then retries with fresh group metadata (or
 *       without the partitions it lost). A fenced group instance reports
 *       {@link Result#GROUP_LOST}: the caller gives the work up and the records are redelivered.</li>
 *   <li>An output the broker refuses for good (too large for its topic, invalid) is replaced by
 *       the unit's fallback (typically its consumed record to the DLQ; nothing when even that is
 *       refused), so one record cannot stall its partition. Which unit's output was refused is
 *       confirmed by a probe (its outputs alone, in a transaction that is then aborted): once one
 *       batch of a transaction fails, the producer fails the other undelivered batches with the
 *       same exception, so send callbacks also name innocent units.</li>
 * </ul>
 *
 * <p>Used by one thread at a time ({@link #init()} first); {@link #halt()} from any thread.
 *
 * @param <U> a unit of work whose outputs are published together
 */
public final class StageTransaction<U> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StageTransaction.class);
    private static final int ATTEMPTS = 4;

    /** What replaces the outputs of a unit that the broker refuses for good. */
    @FunctionalInterface
    public interface Fallback<U> {
        /**
         * @param unit    the unit
         * @param refused the records that were refused: the unit's outputs, or an earlier fallback
         * @param why     the refusal
         * @return the records to publish instead (empty: nothing)
         */
        List<ProducerRecord<byte[], byte[]>> replace(U unit, List<ProducerRecord<byte[], byte[]>> refused, Exception why);
    }

    /** What became of a {@link #commit}. */
    public enum Result {
        /** Outputs published and offsets committed. */
        COMMITTED,
        /** Nothing visible; try the same work again later (after the next poll). */
        RETRY_LATER,
        /** Another member took this member's group instance id: give the work up. */
        GROUP_LOST
    }

    private final Supplier<Producer<byte[], byte[]>> factory;
    private final Duration initTimeout;
    private final Function<U, List<ProducerRecord<byte[], byte[]>>> outputs;
    private final Fallback<U> fallback;
    /** Units with an output the broker refuses for good, from send callbacks. */
    private final Map<U, Exception> refused = new ConcurrentHashMap<>();
    /**
     * Fallbacks in force during one {@link #commit} call. A caller that retries the same units
     * after {@link Result#RETRY_LATER} keeps a fallback by making it the unit's outputs.
     */
    private final Map<U, List<ProducerRecord<byte[], byte[]>>> replaced = new ConcurrentHashMap<>();
    private volatile Producer<byte[], byte[]> producer;
    private boolean open;
    private boolean broken;

    /**
     * @param factory     a new transactional producer (same {@code transactional.id} each time)
     * @param initTimeout how long {@code initTransactions} is retried while the transaction
     *                    coordinator is not ready; zero: fail at the first error
     * @param outputs     the records of a unit
     * @param fallback    replacement records for a unit whose outputs the broker refuses for good;
     *                    retrying the same records could never succeed and would stall the
     *                    partition. Asked again when its replacement is refused too (it should
     *                    then answer nothing). Used for the rest of the call; a caller that may
     *                    retry the unit later records it in the unit too
     */
    public StageTransaction(Supplier<Producer<byte[], byte[]>> factory, Duration initTimeout,
                            Function<U, List<ProducerRecord<byte[], byte[]>>> outputs,
                            Fallback<U> fallback) {
        this.factory = factory;
        this.initTimeout = initTimeout;
        this.outputs = outputs;
        this.fallback = fallback;
    }

    /**
     * Creates the producer and initialises transactions (which also aborts a transaction a
     * predecessor left open).
     *
     * @throws KafkaException when the broker cannot be reached within the init timeout or refuses
     *                        the transactional id
     */
    public void init() {
        producer = create();
    }

    /** Fetches the metadata of topics written later, so the first transaction does not wait for it (best effort). */
    public void prefetch(Collection<String> topics) {
        for (String t : topics) {
            try {
                producer.partitionsFor(t);
            } catch (KafkaException e) {
                log.warn("No metadata for topic {} yet: {}", t, e.toString());
            }
        }
    }

    private Producer<byte[], byte[]> create() {
        long deadline = System.nanoTime() + initTimeout.toNanos();
        Producer<byte[], byte[]> p = factory.get();
        while (true) {
            try {
                p.initTransactions();
                return p;
            } catch (TimeoutException e) {
                // The transaction coordinator may still be loading (fresh __transaction_state): retry.
                if (System.nanoTime() > deadline) {
                    p.close(Duration.ZERO);
                    throw e;
                }
                log.info("initTransactions timed out, retrying: {}", e.getMessage());
            } catch (AuthenticationException | AuthorizationException | InterruptException e) {
                p.close(Duration.ZERO);
                throw e;
            } catch (KafkaException e) {
                p.close(Duration.ZERO);
                if (System.nanoTime() > deadline) throw e;
                log.warn("initTransactions failed, retrying with a new producer: {}", e.toString());
                pause(200);
                p = factory.get();
            }
        }
    }

    /**
     * Publishes the outputs of {@code units} and commits {@code offsets} (none: outputs only) in
     * one transaction, retrying abortable errors a few times.
     *
     * @return {@link Result#COMMITTED}, or what the caller does with the work instead
     * @throws InterruptException when the thread was interrupted (nothing committed)
     */
    public Result commit(List<U> units, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        refused.clear(); // reports from an earlier transaction, settled or aborted by now
        try {
            return attempt(units, offsets, group);
        } finally {
            replaced.clear();
        }
    }

    private Result attempt(List<U> units, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                if (broken) recover();
                producer.beginTransaction();
                open = true;
                for (U u : units) send(u);
                if (!offsets.isEmpty()) producer.sendOffsetsToTransaction(offsets, group);
                producer.commitTransaction();
                open = false;
                return Result.COMMITTED;
            } catch (FencedInstanceIdException e) {
                log.warn("Offsets refused, another member took this member's group instance id: {}", e.toString());
                broken = true;
                recoverQuietly();
                return Result.GROUP_LOST;
            } catch (CommitFailedException | IllegalGenerationException | UnknownMemberIdException | RebalanceInProgressException e) {
                // The group moved on (a rebalance, often the second round of a cooperative one):
                // the caller's next poll completes it, then it retries under the new generation.
                log.info("Offsets refused during a rebalance ({}); retrying after the next poll", e.getClass().getSimpleName());
                broken = true;
                recoverQuietly();
                return Result.RETRY_LATER;
            } catch (InterruptException e) {
                broken = true;
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                log.warn("Transaction of {} unit(s) failed (attempt {}/{}): {}", units.size(), attempt, ATTEMPTS, e.toString());
                broken = true;
                replaceRefused();
                pause(50L << attempt);
            }
        }
        recoverQuietly();
        return Result.RETRY_LATER;
    }

    private List<ProducerRecord<byte[], byte[]>> recordsOf(U u) {
        List<ProducerRecord<byte[], byte[]>> r = replaced.get(u);
        return r != null ? r : outputs.apply(u);
    }

    private void send(U u) {
        List<ProducerRecord<byte[], byte[]>> out = recordsOf(u);
        if (out.isEmpty()) return;
        Callback refusal = (metadata, e) -> {
            if (refusedForGood(e)) refused.putIfAbsent(u, e);
        };
        for (int i = 0; i < out.size(); i++) producer.send(out.get(i), refusal);
    }

    private static boolean refusedForGood(Exception e) {
        return e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException || e instanceof InvalidRecordException;
    }

    /** Replaces the outputs of the suspects that a probe confirms the broker refuses. */
    private void replaceRefused() {
        if (refused.isEmpty()) return;
        List<U> suspects = new ArrayList<>(refused.keySet());
        refused.clear();
        for (U u : suspects) {
            List<ProducerRecord<byte[], byte[]>> records = recordsOf(u);
            Exception why = probe(records);
            if (why == null) {
                log.info("An output of {} was failed with another record of its transaction; sending it again", u);
                continue;
            }
            log.error("The broker refuses an output of {} ({}); publishing its fallback instead", u, why.toString());
            replaced.put(u, fallback.replace(u, records, why));
        }
    }

    /**
     * Sends the records alone in a transaction that is then aborted (read_committed readers never
     * see them).
     *
     * @return the refusal of one of them, or null when the broker took them all
     */
    private Exception probe(List<ProducerRecord<byte[], byte[]>> records) {
        recover();
        AtomicReference<Exception> refusal = new AtomicReference<>();
        producer.beginTransaction();
        open = true;
        try {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r, (metadata, e) -> {
                    if (refusedForGood(e)) refusal.compareAndSet(null, e);
                });
            }
            producer.flush();
        } catch (KafkaException e) {
            if (refusedForGood(e)) refusal.compareAndSet(null, e);
        } finally {
            broken = true;
            recover(); // aborts the probe
        }
        return refusal.get();
    }

    /** Aborts, or replaces the producer when it cannot abort; leaves no transaction open. */
    private void recover() {
        if (open && producer != null) {
            try {
                producer.abortTransaction();
                open = false;
                broken = false;
                return;
            } catch (InterruptException e) {
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                log.warn("Cannot abort ({}); replacing the producer", e.toString());
            }
        }
        Producer<byte[], byte[]> old = producer;
        producer = null;
        open = false;
        if (old != null) old.close(Duration.ZERO);
        producer = create();
        broken = false;
    }

    private void recoverQuietly() {
        try {
            recover();
        } catch (InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            // Left broken: the next commit() tries again with a new producer.
            log.error("Cannot recover the transactional producer yet: {}", e.toString());
            broken = true;
            open = false;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** Closes the producer without committing: what a crash leaves behind (tests). Any thread. */
    public void halt() {
        Producer<byte[], byte[]> p = producer;
        if (p != null) p.close(Duration.ZERO);
    }

    /** Aborts an open transaction (its work is redelivered later) and closes the producer. */
    @Override
    public void close() {
        Producer<byte[], byte[]> p = producer;
        if (p == null) return;
        producer = null;
        if (open) {
            try {
                p.abortTransaction();
            } catch (KafkaException | IllegalStateException e) {
                log.debug("Abort on close failed: {}", e.toString());
            }
        }
        p.close(Duration.ofSeconds(5));
    }
}

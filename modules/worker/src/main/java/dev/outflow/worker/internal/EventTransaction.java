package dev.outflow.worker.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's transactional producer: commits one {@link Batch} per transaction (its output
 * records, then its offsets with {@code sendOffsetsToTransaction} and the consumer's group
 * metadata, which fences zombies).
 *
 * <p>Failures never lose a batch: an abortable error (including CONCURRENT_TRANSACTIONS and
 * OUT_OF_ORDER_SEQUENCE_NUMBER, seen on fresh partitions) aborts and re-sends the same records in a
 * new transaction; a fatal one (fenced producer, invalid state) closes the producer, creates a new
 * one with the same {@code transactional.id} (which aborts whatever the old one left open) and
 * re-sends. An output the broker refuses for good (too large for its topic, invalid) is replaced by
 * a fallback (the record to the DLQ; nothing when even that is refused) so one record cannot stall
 * its partition. Which job's output was refused is confirmed by a probe (the suspect's outputs
 * alone, in a transaction that is then aborted): once one batch of a transaction fails, the
 * producer fails the other undelivered batches of that transaction with the same exception, so
 * the send callbacks also name innocent jobs, whose outcome must not become a DLQ copy. Offsets refused because of a rebalance (stale generation, unknown member) abort and
 * report {@link Result#RETRY_LATER}, so the poll loop retries after its next poll with fresh group
 * metadata. Only a fenced group instance reports {@link Result#GROUP_LOST}: the caller gives the
 * jobs up and the records are redelivered (at-least-once).
 *
 * <p>Used by one thread at a time (the commit thread; {@link #init()} before it starts).
 */
final class EventTransaction implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventTransaction.class);
    private static final int ATTEMPTS = 4;

    enum Result { COMMITTED, RETRY_LATER, GROUP_LOST }

    private final Supplier<Producer<byte[], byte[]>> factory;
    private final Duration initTimeout;
    private final BiFunction<Job, Exception, List<ProducerRecord<byte[], byte[]>>> fallback;
    /** Jobs with an output the broker refuses for good (too large, invalid), from send callbacks. */
    private final Map<Job, Exception> refused = new ConcurrentHashMap<>();
    private volatile Producer<byte[], byte[]> producer;
    private boolean open;
    private boolean broken;

    /**
     * @param fallback replacement outputs for a job whose outputs the broker refuses for good (a
     *                 record too large for the topic, an invalid record): retrying the same records
     *                 could never succeed and would stall the partition
     */
    EventTransaction(Supplier<Producer<byte[], byte[]>> factory, Duration initTimeout,
                     BiFunction<Job, Exception, List<ProducerRecord<byte[], byte[]>>> fallback) {
        this.factory = factory;
        this.initTimeout = initTimeout;
        this.fallback = fallback;
    }

    /** Creates the producer and initialises transactions (which also aborts a transaction a predecessor left open). */
    void init() {
        producer = create();
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
     * Publishes the batch's outputs and commits its offsets in one transaction, retrying abortable
     * errors a few times.
     */
    Result commit(Batch b) {
        refused.clear(); // reports from an earlier batch's transaction, settled or aborted by now
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                if (broken) recover();
                producer.beginTransaction();
                open = true;
                for (Job j : b.jobs) send(j);
                if (!b.offsets.isEmpty()) producer.sendOffsetsToTransaction(b.offsets, b.group);
                producer.commitTransaction();
                open = false;
                return Result.COMMITTED;
            } catch (FencedInstanceIdException e) {
                log.warn("Offsets refused, another member took this worker's group instance id: {}", e.toString());
                broken = true;
                recoverQuietly();
                return Result.GROUP_LOST;
            } catch (CommitFailedException | IllegalGenerationException | UnknownMemberIdException | RebalanceInProgressException e) {
                // The group moved on (a rebalance, often the second round of a cooperative one). The
                // poll loop's next poll completes it; partitions revoked or lost meanwhile are dropped
                // from the batch, the rest commit under the new generation.
                log.info("Offsets refused during a rebalance ({}); retrying after the next poll", e.getClass().getSimpleName());
                broken = true;
                recoverQuietly();
                return Result.RETRY_LATER;
            } catch (InterruptException e) {
                broken = true;
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                log.warn("Transaction of {} record(s) failed (attempt {}/{}): {}", b.jobs.size(), attempt, ATTEMPTS, e.toString());
                broken = true;
                replaceRefused();
                pause(50L << attempt);
            }
        }
        recoverQuietly();
        return Result.RETRY_LATER;
    }

    private void send(Job j) {
        List<ProducerRecord<byte[], byte[]>> out = j.outputs;
        if (out.isEmpty()) return;
        Callback refusal = (metadata, e) -> {
            if (refusedForGood(e)) refused.putIfAbsent(j, e);
        };
        for (int i = 0; i < out.size(); i++) producer.send(out.get(i), refusal);
    }

    private static boolean refusedForGood(Exception e) {
        return e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException || e instanceof InvalidRecordException;
    }

    /** Replaces the outputs of the suspects that a probe confirms the broker refuses. */
    private void replaceRefused() {
        if (refused.isEmpty()) return;
        List<Job> suspects = new ArrayList<>(refused.keySet());
        refused.clear();
        for (Job j : suspects) {
            Exception why = probe(j);
            if (why == null) {
                log.info("An output of {} was failed with another record of its transaction; sending it again", j);
                continue;
            }
            log.error("The broker refuses an output of {} ({}); publishing its fallback instead", j, why.toString());
            j.outputs = fallback.apply(j, why);
        }
    }

    /**
     * Sends the job's outputs alone in a transaction that is then aborted (read_committed readers
     * never see them).
     *
     * @return the refusal of one of them, or null when the broker took them all
     */
    private Exception probe(Job j) {
        recover();
        AtomicReference<Exception> refusal = new AtomicReference<>();
        producer.beginTransaction();
        open = true;
        try {
            for (ProducerRecord<byte[], byte[]> r : j.outputs) {
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
    void halt() {
        Producer<byte[], byte[]> p = producer;
        if (p != null) p.close(Duration.ZERO);
    }

    /** Aborts an open transaction (its jobs are redelivered later) and closes the producer. */
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

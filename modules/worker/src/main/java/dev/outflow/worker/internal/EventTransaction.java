package dev.outflow.worker.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's transactional producer and the one transaction it has open: the output records of
 * the jobs whose offsets entered the committed prefix, and those offsets. Everything of a job is
 * sent when the job is added; {@link #commit} adds the offsets ({@code sendOffsetsToTransaction}
 * with the consumer's group metadata, which fences zombies) and commits.
 *
 * <p>Failures never lose the jobs: an abortable error (including CONCURRENT_TRANSACTIONS and
 * OUT_OF_ORDER_SEQUENCE_NUMBER, seen on fresh partitions) aborts and re-sends the same records in a
 * new transaction; a fatal one (fenced producer, invalid state) closes the producer, creates a new
 * one with the same {@code transactional.id} (which aborts whatever the old one left open) and
 * re-sends. Offsets refused because of a rebalance (stale generation, unknown member) abort and
 * keep the jobs for after the next poll. Only a fenced group instance reports
 * {@link Result#GROUP_LOST}: the caller gives the jobs up and the records are redelivered
 * (at-least-once).
 *
 * <p>Poll thread only.
 */
final class EventTransaction implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventTransaction.class);
    private static final int ATTEMPTS = 4;

    enum Result { COMMITTED, RETRY_LATER, GROUP_LOST }

    private final Supplier<Producer<byte[], byte[]>> factory;
    private final Duration initTimeout;
    private final List<Job> jobs = new ArrayList<>();
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    private Producer<byte[], byte[]> producer;
    private boolean open;
    private boolean broken;
    private long startedNanos;

    EventTransaction(Supplier<Producer<byte[], byte[]>> factory, Duration initTimeout) {
        this.factory = factory;
        this.initTimeout = initTimeout;
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
            } catch (AuthenticationException | AuthorizationException e) {
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

    /** Adds a job whose offset entered the committed prefix: its outputs are sent now. */
    void add(Job j) {
        if (jobs.isEmpty()) startedNanos = System.nanoTime();
        if (!broken) {
            try {
                if (!open) begin();
                send(j);
            } catch (InterruptException e) {
                broken = true;
                jobs.add(j);
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                log.warn("Send failed, the transaction will be retried: {}", e.toString());
                broken = true;
            }
        }
        jobs.add(j);
    }

    /** The position to commit for a partition (last completed offset + 1). */
    void offset(TopicPartition tp, long next) {
        offsets.put(tp, new OffsetAndMetadata(next));
    }

    /** Jobs in the transaction. */
    int size() {
        return jobs.size();
    }

    boolean isEmpty() {
        return jobs.isEmpty() && offsets.isEmpty();
    }

    /** Nanoseconds since the first job was added. */
    long ageNanos() {
        return jobs.isEmpty() ? 0 : System.nanoTime() - startedNanos;
    }

    /**
     * Commits the offsets and every record sent since the last commit, retrying abortable errors
     * a few times. After {@link Result#COMMITTED} take the jobs with {@link #takeJobs()}; after
     * {@link Result#RETRY_LATER} they stay for the next call; after {@link Result#GROUP_LOST} the
     * caller takes them and gives them up.
     */
    Result commit(ConsumerGroupMetadata group) {
        if (isEmpty()) return Result.COMMITTED;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                if (broken) recover();
                if (!open) begin();
                if (!offsets.isEmpty()) producer.sendOffsetsToTransaction(offsets, group);
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
                // next poll completes it; partitions revoked or lost meanwhile are dropped from this
                // transaction by the rebalance callbacks, the rest commit under the new generation.
                log.info("Offsets refused during a rebalance ({}); retrying after the next poll", e.getClass().getSimpleName());
                broken = true;
                recoverQuietly();
                return Result.RETRY_LATER;
            } catch (InterruptException e) {
                broken = true;
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                log.warn("Transaction of {} record(s) failed (attempt {}/{}): {}", jobs.size(), attempt, ATTEMPTS, e.toString());
                broken = true;
                pause(50L << attempt);
            }
        }
        recoverQuietly();
        return Result.RETRY_LATER;
    }

    /** The jobs of the last transaction (committed or given up); the transaction is empty afterwards. */
    List<Job> takeJobs() {
        List<Job> taken = new ArrayList<>(jobs);
        jobs.clear();
        offsets.clear();
        return taken;
    }

    /**
     * Aborts the open transaction and forgets the jobs and offsets of {@code lost} partitions; the
     * other jobs are re-sent in the next transaction.
     */
    void dropPartitions(Set<TopicPartition> lost) {
        if (jobs.stream().noneMatch(j -> lost.contains(j.window.tp)) && offsets.keySet().stream().noneMatch(lost::contains)) return;
        if (open) {
            broken = true;
            recoverQuietly();
        }
        jobs.removeIf(j -> lost.contains(j.window.tp));
        offsets.keySet().removeAll(lost);
    }

    /** Begins a transaction and re-sends the jobs kept from a failed one. */
    private void begin() {
        producer.beginTransaction();
        open = true;
        for (Job j : jobs) send(j);
    }

    private void send(Job j) {
        List<ProducerRecord<byte[], byte[]>> out = j.outputs;
        for (int i = 0; i < out.size(); i++) producer.send(out.get(i));
    }

    /** Aborts, or replaces the producer when it cannot abort; leaves no transaction open. */
    private void recover() {
        if (open) {
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
        replaceProducer();
    }

    private void replaceProducer() {
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

    /** Closes the producer without committing: what a crash leaves behind (tests). */
    void halt() {
        if (producer != null) producer.close(Duration.ZERO);
        producer = null;
    }

    /** Aborts an open transaction (its jobs are redelivered later) and closes the producer. */
    @Override
    public void close() {
        if (producer == null) return;
        if (open) {
            try {
                producer.abortTransaction();
            } catch (KafkaException | IllegalStateException e) {
                log.debug("Abort on close failed: {}", e.toString());
            }
        }
        producer.close(Duration.ofSeconds(5));
        producer = null;
    }
}

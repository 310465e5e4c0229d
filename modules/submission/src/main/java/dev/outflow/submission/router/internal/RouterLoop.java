package dev.outflow.submission.router.internal;

import dev.outflow.codec.SchemaRegistryException;
import dev.outflow.codec.topics.Warmup;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's poll thread: a transactional consume-transform-produce loop. Each transaction holds
 * the outputs of the submissions read since the last commit (outbound parts, DLQ copies, REJECTED
 * events, dedupe changelog entries) and their input offsets ({@code sendOffsetsToTransaction} with
 * the consumer's group metadata, which fences zombies). It commits every commit interval.
 *
 * <p>Any failure of a transaction aborts it, forgets its dedupe entries and counts, and seeks the
 * consumer back to the first record of the transaction, so the records are decided again: outputs
 * are never published twice or lost. Partitions revoked by a rebalance are committed first; lost
 * ones are aborted. The dedupe changelog of newly assigned partitions is restored before their
 * first record is handled (inside the rebalance callback, so before {@code poll} returns records).
 *
 * <p>Runs on one thread; {@link #stop()}, {@link #halt()} and the readiness calls are thread-safe.
 */
public final class RouterLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(RouterLoop.class);
    private static final int MAX_TXN_RECORDS = 20_000;
    private static final long EXPIRE_EVERY_MS = 1_000;

    /**
     * @param inputTopic     the submissions topic
     * @param commitInterval how long a transaction stays open at most (once it has records)
     * @param startTimeout   how long {@code initTransactions} may keep failing at start
     * @param restoreTimeout how long restoring the changelog of an assignment may take
     */
    public record Settings(String inputTopic, String routerId, Duration commitInterval, Duration startTimeout,
                           Duration restoreTimeout) {
    }

    private final Settings settings;
    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final Supplier<Consumer<byte[], byte[]>> restorers;
    private final RecordHandler handler;
    private final DedupeStore store;
    private final DedupeChangelog changelog;
    private final Clock clock;
    private final RouterCounters counters = new RouterCounters();
    private final RouterCounters.Tally tally = new RouterCounters.Tally();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CountDownLatch done = new CountDownLatch(1);

    private volatile boolean stopping;
    private volatile boolean haltRequested;
    private volatile int uncommittedAtHalt = -1;
    private boolean halted;

    private Consumer<byte[], byte[]> consumer;
    private Producer<byte[], byte[]> producer;
    private Consumer<byte[], byte[]> restorer;
    // The open transaction.
    private boolean open;
    private final Map<TopicPartition, Long> first = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    private int txnRecords;
    private long txnStartNanos;
    private int failures;
    private long lastExpire;

    public RouterLoop(Settings settings, Supplier<Consumer<byte[], byte[]>> consumers, Supplier<Producer<byte[], byte[]>> producers,
                      Supplier<Consumer<byte[], byte[]>> restorers, RecordHandler handler, DedupeStore store,
                      DedupeChangelog changelog, Clock clock) {
        this.settings = settings;
        this.consumers = consumers;
        this.producers = producers;
        this.restorers = restorers;
        this.handler = handler;
        this.store = store;
        this.changelog = changelog;
        this.clock = clock;
    }

    @Override
    public void run() {
        try {
            producer = newProducer(true);
            consumer = consumers.get();
            consumer.subscribe(List.of(settings.inputTopic()), new Rebalance());
            ready.complete(null);
            loop();
        } catch (Throwable t) {
            if (!ready.completeExceptionally(t)) log.error("Router {} stopped on an unexpected error", settings.routerId(), t);
        } finally {
            closeClients();
            done.countDown();
        }
    }

    private void loop() {
        while (!stopping) {
            ConsumerRecords<byte[], byte[]> batch;
            try {
                batch = consumer.poll(pollTimeout());
            } catch (WakeupException e) {
                continue;
            } catch (InterruptException e) {
                throw e;
            } catch (KafkaException e) {
                if (e instanceof org.apache.kafka.common.errors.AuthorizationException
                        || e instanceof org.apache.kafka.common.errors.AuthenticationException) throw e;
                failures++;
                log.warn("Router {}: poll failed: {}", settings.routerId(), e.toString());
                backOff();
                continue;
            }
            if (!batch.isEmpty()) handleBatch(batch);
            if (haltRequested && (txnRecords > 0 || batch.isEmpty())) {
                haltNow();
                return;
            }
            if (commitDue()) commit();
            expireNowAndThen();
        }
        commit();
    }

    private void handleBatch(ConsumerRecords<byte[], byte[]> batch) {
        // Registered before handling, so a failure half-way rewinds every partition of the batch.
        for (TopicPartition tp : batch.partitions()) first.putIfAbsent(tp, batch.records(tp).getFirst().offset());
        if (txnRecords == 0) txnStartNanos = System.nanoTime();
        long now = clock.millis();
        try {
            for (TopicPartition tp : batch.partitions()) {
                for (ConsumerRecord<byte[], byte[]> r : batch.records(tp)) {
                    next.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    txnRecords++;
                    if (Warmup.isWarmup(r)) continue;
                    handle(r, now);
                }
            }
        } catch (InterruptException e) {
            throw e;
        } catch (SchemaRegistryException e) {
            abortAndRewind("schema registry unavailable", e, false);
        } catch (KafkaException | IllegalStateException e) {
            abortAndRewind("sending failed", e, true);
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r, long now) {
        RecordHandler.Decision d;
        try {
            d = handler.handle(r, id -> store.seen(id, now), now);
        } catch (SchemaRegistryException e) {
            throw e;
        } catch (RuntimeException e) {
            // A bug must not stall the partition: the record is dead-lettered with the error.
            log.error("Router failed on {}-{}@{}; dead-lettering it", r.topic(), r.partition(), r.offset(), e);
            d = handler.internalError(r, e, now);
        }
        List<ProducerRecord<byte[], byte[]>> out = d.outputs();
        if (!out.isEmpty() || d.record()) begin();
        for (int i = 0; i < out.size(); i++) producer.send(out.get(i));
        if (d.record()) {
            int cp = changelog.partitionOf(r.partition());
            store.add(d.id(), cp, now);
            producer.send(changelog.entry(cp, d.id(), now));
        }
        tally.add(d);
    }

    private boolean commitDue() {
        if (next.isEmpty()) return false;
        return txnRecords >= MAX_TXN_RECORDS || System.nanoTime() - txnStartNanos >= settings.commitInterval().toNanos();
    }

    private Duration pollTimeout() {
        if (next.isEmpty()) return Duration.ofMillis(200);
        long left = settings.commitInterval().toNanos() - (System.nanoTime() - txnStartNanos);
        return Duration.ofNanos(Math.max(1_000_000, left));
    }

    /** Commits the open transaction with its offsets; on failure aborts and rewinds. */
    private void commit() {
        if (next.isEmpty() && !open) return;
        try {
            begin();
            long t0 = System.nanoTime();
            producer.sendOffsetsToTransaction(Map.copyOf(next), consumer.groupMetadata());
            producer.commitTransaction();
            open = false;
            if (log.isDebugEnabled()) {
                log.debug("Committed {} record(s) in {} ms (transaction open {} ms)", txnRecords, (System.nanoTime() - t0) / 1_000_000,
                        (System.nanoTime() - txnStartNanos) / 1_000_000);
            }
            store.commitPending();
            counters.committed(tally);
            clearTransaction();
            failures = 0;
        } catch (InterruptException e) {
            throw e;
        } catch (KafkaException | IllegalStateException e) {
            abortAndRewind("commit failed", e, true);
        }
    }

    private void begin() {
        if (!open) {
            producer.beginTransaction();
            open = true;
        }
    }

    /**
     * Aborts (or replaces the producer when it cannot abort), forgets the transaction and reads its
     * records again.
     *
     * @param producerFailed the producer threw: replace it when no transaction is open to abort
     *                       (it failed to begin one) or when failures keep repeating
     */
    private void abortAndRewind(String what, Exception cause, boolean producerFailed) {
        failures++;
        log.warn("Router {}: {} ({} record(s) will be read again, failure {} in a row): {}", settings.routerId(), what, txnRecords,
                failures, cause.toString());
        counters.countAbort();
        // Replace a producer that failed outside a transaction (it could not begin one) or keeps failing.
        boolean replace = producerFailed && (!open || failures >= 3);
        if (open && !replace) {
            try {
                producer.abortTransaction();
            } catch (InterruptException e) {
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                log.warn("Cannot abort ({}); replacing the producer", e.toString());
                replace = true;
            }
        }
        if (replace) replaceProducer();
        open = false;
        store.discardPending();
        Set<TopicPartition> owned = consumer.assignment();
        first.forEach((tp, offset) -> {
            if (owned.contains(tp)) consumer.seek(tp, offset);
        });
        clearTransaction();
        backOff();
    }

    private void clearTransaction() {
        first.clear();
        next.clear();
        tally.clear();
        txnRecords = 0;
    }

    private void backOff() {
        long ms = Math.min(2_000, 50L << Math.min(failures, 6));
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /**
     * A producer with transactions initialised. At start, gives up after the start timeout; later
     * (a replacement) keeps trying until the loop is stopped, since the broker may be down a while.
     */
    private Producer<byte[], byte[]> newProducer(boolean atStart) {
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        while (true) {
            Producer<byte[], byte[]> p = producers.get();
            try {
                // Also aborts whatever a predecessor with the same transactional id left open.
                p.initTransactions();
                return p;
            } catch (InterruptException e) {
                p.close(Duration.ZERO);
                throw e;
            } catch (KafkaException e) {
                p.close(Duration.ZERO);
                if (e instanceof org.apache.kafka.common.errors.AuthorizationException
                        || e instanceof org.apache.kafka.common.errors.AuthenticationException
                        || (atStart && System.nanoTime() > deadline) || stopping) {
                    throw e;
                }
                log.warn("Router {}: initTransactions failed, retrying: {}", settings.routerId(), e.toString());
                failures++;
                backOff();
            }
        }
    }

    private void replaceProducer() {
        Producer<byte[], byte[]> old = producer;
        producer = null;
        open = false;
        if (old != null) old.close(Duration.ZERO);
        producer = newProducer(false);
    }

    private void expireNowAndThen() {
        long now = clock.millis();
        if (now - lastExpire < EXPIRE_EVERY_MS) return;
        lastExpire = now;
        store.expire(now);
    }

    /** Changelog partitions needed by {@code inputs}. */
    private Set<Integer> changelogPartitions(Collection<TopicPartition> inputs) {
        Set<Integer> cps = new HashSet<>();
        for (TopicPartition tp : inputs) cps.add(changelog.partitionOf(tp.partition()));
        return cps;
    }

    private void dropUnneeded(Collection<TopicPartition> leaving) {
        Set<TopicPartition> staying = new HashSet<>(consumer.assignment());
        staying.removeAll(leaving);
        Set<Integer> keep = changelogPartitions(staying);
        for (int cp : changelogPartitions(leaving)) {
            if (!keep.contains(cp)) store.drop(cp);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (halted || partitions.isEmpty()) return;
            commit();
            dropUnneeded(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (halted || partitions.isEmpty()) return;
            if (open || !next.isEmpty()) abortAndRewind("partitions lost " + partitions, new KafkaException("group membership lost"), false);
            dropUnneeded(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (halted || partitions.isEmpty()) return;
            Set<Integer> missing = changelogPartitions(partitions);
            missing.removeIf(store::holds);
            if (missing.isEmpty()) return;
            if (restorer == null) restorer = restorers.get();
            long t0 = System.nanoTime();
            long n = changelog.restore(restorer, missing, store, clock::millis, settings.restoreTimeout());
            log.info("Router {}: restored {} dedupe entries of partitions {} in {} ms", settings.routerId(), n, missing,
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    // --- control from other threads

    /** Completes when the producer is initialised and the consumer subscribed; fails with the start-up error. */
    public void awaitReady(Duration timeout) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks the loop to commit what it has and stop. */
    public void stop() {
        stopping = true;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) c.wakeup();
    }

    /** Test hook: the loop stops as a crash would, leaving its open transaction (with records sent) to the broker. */
    public void halt() {
        haltRequested = true;
    }

    public boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Input records in the transaction abandoned by {@link #halt()}, or -1. */
    public int uncommittedAtHalt() {
        return uncommittedAtHalt;
    }

    public RouterCounters counters() {
        return counters;
    }

    /** Committed dedupe ids held in memory (approximate when read from another thread). */
    public int dedupeSize() {
        return store.size();
    }

    private void haltNow() {
        halted = true;
        try {
            if (open) producer.flush();
        } catch (KafkaException e) {
            log.debug("Flush before halt failed: {}", e.toString());
        }
        uncommittedAtHalt = txnRecords;
        producer.close(Duration.ZERO);
        producer = null;
        consumer.close(Duration.ZERO);
        consumer = null;
    }

    private void closeClients() {
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("Closing the consumer: {}", e.toString());
            }
        }
        if (producer != null) {
            try {
                if (open) producer.abortTransaction();
            } catch (RuntimeException e) {
                log.debug("Abort on close: {}", e.toString());
            }
            producer.close(Duration.ofSeconds(5));
        }
        if (restorer != null) restorer.close(Duration.ZERO);
    }
}

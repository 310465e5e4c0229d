package dev.outflow.submission.router.internal;

import dev.outflow.codec.SchemaRegistryException;
import dev.outflow.codec.topics.Warmup;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
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
 * are never published twice or lost. A record the broker keeps refusing is found and rejected by
 * {@link Isolation}. Partitions revoked by a rebalance are committed first; lost ones are aborted.
 *
 * <p>The loop also reads the {@link RetryTopics retry topics}. A partition whose head is not due
 * yet is paused (the consumer is sought back to the head) and resumed once the head is due, so a
 * waiting submission never holds up the submissions topic or the other partitions.
 * The dedupe changelog of newly assigned partitions is restored inside the rebalance callback, so
 * before {@code poll} returns their records.
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
    private final Supplier<Consumer<byte[], byte[]>> restorers;
    private final RecordHandler handler;
    private final RetryTopics retries;
    private final DedupeStore store;
    private final DedupeChangelog changelog;
    private final Clock clock;
    private final TransactionalProducer producer;
    private final Isolation isolation = new Isolation();
    private final RouterCounters counters = new RouterCounters();
    private final RouterCounters.Tally tally = new RouterCounters.Tally();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CountDownLatch done = new CountDownLatch(1);

    private volatile Set<TopicPartition> assignment = Set.of();
    private volatile boolean stopping;
    private volatile boolean haltRequested;
    private volatile int uncommittedAtHalt = -1;
    private boolean halted;

    private Consumer<byte[], byte[]> consumer;
    private Consumer<byte[], byte[]> restorer;
    // The open transaction: first and next offset per partition, records, whether it holds a refused record.
    private final Map<TopicPartition, Long> first = new HashMap<>();
    private final Map<TopicPartition, Long> next = new HashMap<>();
    // Paused retry-topic partitions and when their head is due (epoch ms of the clock).
    private final Map<TopicPartition, Long> waiting = new HashMap<>();
    private int txnRecords;
    private long txnStartNanos;
    private boolean holdsRemedy;
    private int failures;
    private long lastExpire;

    public RouterLoop(Settings settings, Supplier<Consumer<byte[], byte[]>> consumers, Supplier<Producer<byte[], byte[]>> producers,
                      Supplier<Consumer<byte[], byte[]>> restorers, RecordHandler handler, RetryTopics retries, DedupeStore store,
                      DedupeChangelog changelog, Clock clock) {
        this.settings = settings;
        this.consumers = consumers;
        this.restorers = restorers;
        this.handler = handler;
        this.retries = retries;
        this.store = store;
        this.changelog = changelog;
        this.clock = clock;
        this.producer = new TransactionalProducer(producers, settings.startTimeout(), () -> stopping, this::backOff);
    }

    @Override
    public void run() {
        try {
            producer.init();
            consumer = consumers.get();
            List<String> inputs = new ArrayList<>();
            inputs.add(settings.inputTopic());
            inputs.addAll(retries.names());
            consumer.subscribe(inputs, new Rebalance());
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
            ConsumerRecords<byte[], byte[]> batch = poll();
            if (batch == null) continue;
            if (!batch.isEmpty()) {
                if (isolation.active()) handleOne(batch);
                else handleBatch(batch);
            }
            if (haltRequested && (txnRecords > 0 || batch.isEmpty())) {
                haltNow();
                return;
            }
            if (commitDue()) commit();
            expireNowAndThen();
            resumeDue();
        }
        commit();
    }

    /** The next records, or null after a wake-up or a poll failure (backed off). */
    private ConsumerRecords<byte[], byte[]> poll() {
        try {
            return consumer.poll(pollTimeout());
        } catch (WakeupException e) {
            return null;
        } catch (InterruptException | AuthorizationException | AuthenticationException e) {
            throw e;
        } catch (KafkaException e) {
            failures++;
            log.warn("Router {}: poll failed: {}", settings.routerId(), e.toString());
            backOff();
            return null;
        }
    }

    private void handleBatch(ConsumerRecords<byte[], byte[]> batch) {
        long now = clock.millis();
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> due = new LinkedHashMap<>();
        for (TopicPartition tp : batch.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> records = dueRecords(tp, batch.records(tp), now);
            if (records.isEmpty()) continue;
            due.put(tp, records);
            // Registered before handling, so a failure half-way rewinds every partition of the batch.
            first.putIfAbsent(tp, records.getFirst().offset());
        }
        if (due.isEmpty()) return;
        if (txnRecords == 0) txnStartNanos = System.nanoTime();
        Predicate<String> seen = id -> store.seen(id, now);
        try {
            for (Map.Entry<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> e : due.entrySet()) {
                for (ConsumerRecord<byte[], byte[]> r : e.getValue()) handle(e.getKey(), r, now, seen);
            }
        } catch (InterruptException e) {
            throw e;
        } catch (SchemaRegistryException e) {
            abortAndRewind("schema registry unavailable", e, false);
        } catch (KafkaException | IllegalStateException e) {
            abortAndRewind("sending failed", e, true);
        }
    }

    /** Isolation: the first record of the batch alone in a transaction; the others are read again. */
    private void handleOne(ConsumerRecords<byte[], byte[]> batch) {
        long now = clock.millis();
        ConsumerRecord<byte[], byte[]> one = null;
        for (TopicPartition tp : batch.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> records = dueRecords(tp, batch.records(tp), now);
            if (records.isEmpty()) continue;
            long firstOffset = records.getFirst().offset();
            if (one == null) {
                one = records.getFirst();
                consumer.seek(tp, firstOffset + 1);
            } else {
                consumer.seek(tp, firstOffset);
            }
        }
        if (one == null) return;
        TopicPartition tp = new TopicPartition(one.topic(), one.partition());
        first.put(tp, one.offset());
        txnStartNanos = System.nanoTime();
        try {
            handle(tp, one, now, id -> store.seen(id, now));
            commit();
        } catch (InterruptException e) {
            throw e;
        } catch (SchemaRegistryException e) {
            abortAndRewind("schema registry unavailable", e, false);
        } catch (KafkaException | IllegalStateException e) {
            abortAndRewind("sending failed", e, true);
        }
    }

    private void handle(TopicPartition tp, ConsumerRecord<byte[], byte[]> r, long now, Predicate<String> seen) {
        next.put(tp, r.offset() + 1);
        txnRecords++;
        if (Warmup.isWarmup(r)) return;
        RecordHandler.Decision d = decide(r, now, seen);
        boolean fromSubmissions = !retries.isRetryTopic(r.topic());
        List<ProducerRecord<byte[], byte[]>> out = d.outputs();
        if (!out.isEmpty() || d.record()) producer.begin();
        for (int i = 0; i < out.size(); i++) producer.send(out.get(i));
        if (d.record()) {
            int cp = changelog.partitionOf(r.partition());
            store.add(d.id(), cp, now);
            producer.send(changelog.entry(cp, d.id(), now));
        }
        tally.add(d, fromSubmissions);
    }

    private RecordHandler.Decision decide(ConsumerRecord<byte[], byte[]> r, long now, Predicate<String> seen) {
        Isolation.Remedy remedy = isolation.remedy(r);
        if (remedy != Isolation.Remedy.NONE) {
            holdsRemedy = true;
            log.error("Router {}: the broker refuses the outputs of {}-{}@{} ({}); {}", settings.routerId(), r.topic(), r.partition(),
                    r.offset(), isolation.error(), remedy);
            return switch (remedy) {
                case REJECT -> handler.refused(r, isolation.error(), true, now);
                case REJECT_WITHOUT_COPY -> handler.refused(r, isolation.error(), false, now);
                default -> new RecordHandler.Decision(RecordHandler.Kind.REJECTED, "", false, List.of(), 0);
            };
        }
        try {
            return handler.handle(r, seen, now);
        } catch (SchemaRegistryException e) {
            throw e;
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
            // A bug (or a plugin throwing an Error past the chain) must not stall the partition:
            // the record is retried like a DENYSOFT, then dead-lettered with the error.
            log.error("Router failed on {}-{}@{}; retrying it later", r.topic(), r.partition(), r.offset(), e);
            return handler.internalError(r, e, now);
        }
    }

    private boolean commitDue() {
        if (next.isEmpty()) return false;
        return txnRecords >= MAX_TXN_RECORDS || System.nanoTime() - txnStartNanos >= settings.commitInterval().toNanos();
    }

    private Duration pollTimeout() {
        long idle = 200;
        if (!waiting.isEmpty()) {
            long untilDue = Collections.min(waiting.values()) - clock.millis();
            idle = Math.max(1, Math.min(idle, untilDue));
        }
        if (next.isEmpty()) return Duration.ofMillis(idle);
        long left = settings.commitInterval().toNanos() - (System.nanoTime() - txnStartNanos);
        return Duration.ofNanos(Math.max(1_000_000, Math.min(left, idle * 1_000_000)));
    }

    /**
     * The records of {@code records} that are due now, in order: all of them, except on a retry
     * topic, whose partition stops at the first record not due yet: it is paused there until that
     * record's due time.
     */
    private List<ConsumerRecord<byte[], byte[]>> dueRecords(TopicPartition tp, List<ConsumerRecord<byte[], byte[]>> records, long now) {
        if (!retries.isRetryTopic(tp.topic())) return records;
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            long dueAt = retries.dueAt(r);
            if (dueAt > now && !Warmup.isWarmup(r)) {
                consumer.seek(tp, r.offset());
                consumer.pause(List.of(tp));
                waiting.put(tp, dueAt);
                return records.subList(0, i);
            }
        }
        return records;
    }

    /** Resumes the retry partitions whose head is due. */
    private void resumeDue() {
        if (waiting.isEmpty()) return;
        long now = clock.millis();
        List<TopicPartition> ready = new ArrayList<>();
        waiting.entrySet().removeIf(e -> {
            if (e.getValue() > now) return false;
            ready.add(e.getKey());
            return true;
        });
        resume(ready);
    }

    private void resume(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) return;
        Set<TopicPartition> owned = consumer.assignment();
        List<TopicPartition> still = partitions.stream().filter(owned::contains).toList();
        if (!still.isEmpty()) consumer.resume(still);
    }

    /** Commits the open transaction with its offsets; on failure aborts and rewinds. */
    private void commit() {
        if (next.isEmpty() && !producer.isOpen()) return;
        try {
            long t0 = System.nanoTime();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(next.size() * 2);
            next.forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
            producer.commit(offsets, consumer.groupMetadata());
            if (log.isDebugEnabled()) {
                log.debug("Committed {} record(s) in {} ms (transaction open {} ms)", txnRecords, (System.nanoTime() - t0) / 1_000_000,
                        (System.nanoTime() - txnStartNanos) / 1_000_000);
            }
            store.commitPending();
            counters.committed(tally);
            isolation.committed(txnRecords);
            if (holdsRemedy) isolation.resolved();
            clearTransaction();
            failures = 0;
        } catch (InterruptException e) {
            throw e;
        } catch (KafkaException | IllegalStateException e) {
            abortAndRewind("commit failed", e, true);
        }
    }

    /**
     * Aborts (replacing the producer when it failed outside a transaction or keeps failing),
     * forgets the transaction and reads its records again.
     */
    private void abortAndRewind(String what, Exception cause, boolean producerFailed) {
        failures++;
        log.warn("Router {}: {} ({} record(s) will be read again, failure {} in a row): {}", settings.routerId(), what, txnRecords,
                failures, cause.toString());
        counters.countAbort();
        isolation.failed(failures, first, txnRecords, cause);
        producer.abort(producerFailed && (!producer.isOpen() || failures >= Isolation.FAILURES_TO_ISOLATE));
        store.discardPending();
        // Rewound records are decided again, due times included.
        resume(List.copyOf(waiting.keySet()));
        waiting.clear();
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
        holdsRemedy = false;
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
            waiting.keySet().removeAll(partitions);
            dropUnneeded(partitions);
            assignment = without(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (halted || partitions.isEmpty()) return;
            if (producer.isOpen() || !next.isEmpty()) {
                abortAndRewind("partitions lost " + partitions, new KafkaException("group membership lost"), false);
            }
            waiting.keySet().removeAll(partitions);
            dropUnneeded(partitions);
            assignment = without(partitions);
        }

        private Set<TopicPartition> without(Collection<TopicPartition> leaving) {
            Set<TopicPartition> s = new HashSet<>(consumer.assignment());
            s.removeAll(leaving);
            return Set.copyOf(s);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (halted || partitions.isEmpty()) return;
            restore(partitions);
            assignment = Set.copyOf(consumer.assignment());
        }

        private void restore(Collection<TopicPartition> partitions) {
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

    /** Input partitions assigned now (after their dedupe entries were restored). */
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    private void haltNow() {
        halted = true;
        uncommittedAtHalt = txnRecords;
        producer.halt();
        consumer.close(CloseOptions.timeout(Duration.ZERO));
        consumer = null;
    }

    private void closeClients() {
        if (consumer != null) {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                log.debug("Closing the consumer: {}", e.toString());
            }
        }
        producer.close();
        if (restorer != null) restorer.close(CloseOptions.timeout(Duration.ZERO));
    }
}

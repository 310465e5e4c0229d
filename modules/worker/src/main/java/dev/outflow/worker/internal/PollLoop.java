package dev.outflow.worker.internal;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.DoneOffsets;
import dev.outflow.core.config.LiveConfig;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.disposition.Disposition;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.DomainShards;
import dev.outflow.stage.StageTransaction;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's poll loop, run on one platform thread that alone touches the consumer. Each turn it
 * polls, turns the new records into jobs ({@link RecordIntake}), starts deliveries within the
 * limits ({@link Dispatcher}), parks records of saturated domains ({@link Parking}), pauses
 * partitions whose window is full (or everything when delivery is paused), and hands the completed
 * prefix of every partition to {@link Commits}, whose thread commits a transaction about every
 * {@code commitInterval}.
 *
 * <p>Rebalance (cooperative): on revoke, waiting records of the revoked partitions are given up,
 * in-flight ones get {@code revokeTimeout} to finish, and the completed prefix is committed before
 * the partitions go; on loss nothing is committed. Given-up records are redelivered to the next
 * owner (at-least-once: a delivery in flight may happen twice, its events never do). After the
 * callback returns, nothing of those partitions is ever handed to a transaction again (see
 * {@link Commits}).
 *
 * <p>Two guards keep one partition or one worker from piling up: a delivery that holds back
 * finished records of its partition for longer than {@code holdTimeout} is cut short (deferred),
 * and no records are taken while the bytes held (taken, not yet committed, outputs included)
 * exceed {@code inflightBytes}: every partition is paused and what a poll returned beyond the
 * budget is sought back, so the budget is exceeded by at most one record.
 */
public final class PollLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    /** Minimum time a revoke or shutdown may spend committing what completed. */
    private static final Duration MIN_FLUSH = Duration.ofSeconds(5);
    /** How often running deliveries are checked against the hold timeout. */
    private static final long HOLD_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Supplier<org.apache.kafka.clients.consumer.Consumer<byte[], byte[]>> consumers;
    private final Commits commits;
    private final Dispatcher dispatcher;
    private final RecordIntake intake;
    private final Parking parking;
    private final Shaper shaper;
    private final LiveConfig config;
    private final BooleanSupplier controlPaused;
    private final LoopSettings s;
    private final Counters counters;
    private final Map<TopicPartition, PartitionWindow> windows = new HashMap<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private volatile boolean stopRequested;
    private volatile boolean halted;
    private volatile boolean paused;
    private volatile Set<TopicPartition> assignment = Set.of();
    private volatile int uncommittedAtHalt = -1;
    private volatile Throwable failure;
    /** Set when closing: the consumer's close calls the rebalance listener, which must then do nothing. */
    private boolean closing;
    /** Size of the first record a poll returned beyond the byte budget (sought back); 0 when none. */
    private long refusedBytes;
    /** As last applied: every partition paused for the byte budget. */
    private boolean budgetPaused;
    private long nextHoldScan = System.nanoTime();
    /** As last computed by the poll thread, for the gauge. */
    private volatile long inflightBytes;
    private final DoneOffsets.Encoder doneOffsets = new DoneOffsets.Encoder();

    PollLoop(Supplier<org.apache.kafka.clients.consumer.Consumer<byte[], byte[]>> consumers, StageTransaction<Job> tx,
             DeliveryTask task, OutputRecords outputs, RecordSerde<OutboundMessage> serde, LiveConfig config,
             BooleanSupplier controlPaused, LoopSettings settings, Clock clock, Counters counters, Consumer<List<Job>> afterCommit,
             Shaper shaper) {
        this.consumers = consumers;
        this.commits = new Commits(new CommitPipeline(tx, "outflow-commit-" + settings.workerId()), settings, counters,
                afterCommit, this::lostGroup);
        this.dispatcher = new Dispatcher(task, System::nanoTime, shaper);
        this.shaper = shaper;
        this.intake = new RecordIntake(serde, outputs, clock);
        this.parking = new Parking(dispatcher, outputs, settings, clock);
        this.config = config;
        this.controlPaused = controlPaused;
        this.s = settings;
        this.counters = counters;
    }

    /**
     * A loop ready to {@link #run()} on its own thread.
     *
     * @param consumers     creates the consumer (on the loop thread), group and deserializers set
     * @param producers     creates the transactional producer (again after a fatal error)
     * @param deliverer     one delivery attempt, blocking (runs on a virtual thread)
     * @param deliveredHook called with the delivered hook's parameters after the commit; null for none
     */
    public static PollLoop create(Supplier<org.apache.kafka.clients.consumer.Consumer<byte[], byte[]>> consumers,
                                  Supplier<Producer<byte[], byte[]>> producers, Function<Delivery, DeliveryResult> deliverer,
                                  Disposition disposition, CodecFactory codecs, DomainShards shards, LiveConfig config,
                                  BooleanSupplier controlPaused, LoopSettings settings, Clock clock, PluginChain deliveredHook,
                                  Shaper shaper) {
        OutputRecords outputs = new OutputRecords(settings.topics(), codecs.deliveryEvent(), codecs.outboundMessage(), shards,
                settings.workerId());
        DeliveryTask task = new DeliveryTask(deliverer, disposition, outputs, clock, shaper);
        // A job keeps its fallback in its outputs: a batch that reports RETRY_LATER is sent again.
        StageTransaction<Job> tx = new StageTransaction<>(producers, settings.initTimeout(), j -> j.outputs,
                (j, refused, e) -> j.outputs = outputs.fallback(j, e));
        return new PollLoop(consumers, tx, task, outputs, codecs.outboundMessage(), config, controlPaused, settings, clock,
                new Counters(), new DeliveredHooks(deliveredHook), shaper);
    }

    @Override
    public void run() {
        try {
            start();
            ready.complete(null);
        } catch (Throwable e) {
            ready.completeExceptionally(e);
            closeQuietly();
            done.complete(null);
            return;
        }
        try {
            while (!stopRequested) turn();
            if (halted) {
                halt();
            } else {
                shutdown();
            }
        } catch (Throwable e) {
            failure = e;
            log.error("Worker {} stopped on an unexpected error", s.workerId(), e);
            closeQuietly();
        } finally {
            done.complete(null);
        }
    }

    /** Transactions initialised and the group coordinator found before the first record, not on it. */
    private void start() {
        commits.start();
        consumer = consumers.get();
        consumer.subscribe(List.of(s.topics().outbound()), new Rebalance());
        consumer.committed(Set.of(new TopicPartition(s.topics().outbound(), 0)), s.initTimeout());
    }

    private void turn() {
        try {
            boolean hold = deliveryPaused();
            shaper.reloadIfChanged();
            limits(hold);
            drainCompletions(0);
            if (!hold) {
                dispatch();
                parking.park(windows.values());
            }
            applyPauses(hold);
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(pollMillis()));
            if (!records.isEmpty()) take(records);
            if (!hold) dispatch();
            drainCompletions(0);
            heldBytes(); // the peak, after outputs were charged
            cutHoldUps();
            publishPrefixes();
            commits.tick(consumer::groupMetadata);
        } catch (AuthenticationException | AuthorizationException e) {
            throw e;
        } catch (InterruptException e) {
            stopRequested = true;
        } catch (KafkaException e) {
            log.warn("Poll loop error, continuing: {}", e.toString());
        }
    }

    private boolean deliveryPaused() {
        boolean p = config.get().get(OutflowKeys.DISABLED) || controlPaused.getAsBoolean();
        if (p != paused) {
            paused = p;
            log.info("Worker {}: delivery {}", s.workerId(), p ? "paused" : "resumed");
        }
        return p;
    }

    private long pollMillis() {
        long interval = s.commitInterval().toMillis();
        return Math.max(5, Math.min(50, interval / 2));
    }

    private void dispatch() {
        dispatcher.dispatch();
    }

    /** Hot limits and the pause go to the dispatcher, whose delivery threads also start jobs. */
    private void limits(boolean hold) {
        var c = config.get();
        dispatcher.limits(c.get(OutflowKeys.CONCURRENCY_MAX), c.get(OutflowKeys.DOMAIN_CONCURRENCY), hold || stopRequested);
    }

    private void take(ConsumerRecords<byte[], byte[]> records) {
        if (stopRequested) return; // shutting down: these are redelivered to the next owner
        long held = heldBytes();
        refusedBytes = 0;
        for (TopicPartition tp : records.partitions()) {
            PartitionWindow w = windows.get(tp);
            if (w == null) {
                log.warn("Records of unassigned partition {} ignored", tp);
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                long size = Job.recordBytes(r);
                // Room for an output as large as the message too (a DEFERRED event embeds it, a DSN
                // quotes it), until the outcome is known and the charge is settled.
                long charge = size + size / 2;
                // At least one record when nothing is held, so one larger than the budget still goes.
                if (refusedBytes > 0 || (held > 0 && held + charge > s.inflightBytes())) {
                    if (refusedBytes == 0) refusedBytes = charge;
                    consumer.seek(tp, r.offset()); // taken again once the budget allows
                    break;
                }
                Job j;
                if (w.finishedBefore(r.offset())) {
                    j = Job.handled(w, r, null, List.of(), 0); // a former owner published its outputs
                    counters.skippedDone.incrementAndGet();
                } else {
                    j = intake.take(w, r);
                }
                j.bytes = j.state == Job.State.WAITING ? charge : size + Job.size(j.outputs);
                held += j.bytes;
                w.add(j);
                if (j.state == Job.State.WAITING) dispatcher.enqueue(j);
            }
        }
    }

    /** Bytes of taken records not yet committed, with their outputs (see {@link Job#bytes}). */
    private long heldBytes() {
        long n = commits.heldBytes();
        for (PartitionWindow w : windows.values()) n += w.bytes();
        inflightBytes = n;
        if (n > counters.peakInflightBytes.get()) counters.peakInflightBytes.set(n);
        return n;
    }

    /** Over the byte budget: what is held, plus the record the last poll could not take, exceeds it. */
    private boolean overBudget() {
        long held = heldBytes();
        return held > 0 && (held >= s.inflightBytes() || held + refusedBytes > s.inflightBytes());
    }

    /**
     * Cuts short the delivery at the head of a partition when it has held back finished records
     * behind it for longer than the hold timeout: the attempt ends as a deferral (retried later
     * by the scheduler, attempt counted), so the partition's finished work commits and the window
     * moves on. A tarpit MX thus costs its partition one hold timeout per record, not its
     * command timeouts.
     */
    private void cutHoldUps() {
        long now = System.nanoTime();
        if (now - nextHoldScan < 0) return;
        nextHoldScan = now + HOLD_SCAN_NANOS;
        long limit = s.holdTimeout().toNanos();
        for (PartitionWindow w : windows.values()) {
            Job head = w.head();
            if (head == null || head.state != Job.State.RUNNING) continue;
            long started = head.startedNanos;
            int finishedBehind = w.held() - w.inProgress();
            if (started == 0 || now - started < limit || finishedBehind == 0) continue;
            if (head.cut()) {
                counters.cutShort.incrementAndGet();
                log.warn("Cut short the delivery of {} to {}: it held back {} finished record(s) of {} for longer than {}",
                        head.message.getId(), head.domain, finishedBehind, w.tp, s.holdTimeout());
            }
        }
    }

    private void drainCompletions(long waitMillis) {
        Job j;
        try {
            j = dispatcher.nextCompleted(waitMillis);
            while (j != null) {
                if (j.state == Job.State.RUNNING) {
                    if (j.failure != null) intake.failed(j);
                    j.state = Job.State.DONE;
                    j.window.left(j);
                    j.window.grow(j, j.settledBytes() - j.bytes);
                }
                j = dispatcher.nextCompleted(0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    private void applyPauses(boolean all) {
        boolean budget = overBudget();
        if (budget != budgetPaused) {
            budgetPaused = budget;
            if (budget && counters.budgetPauses.incrementAndGet() == 1) {
                log.info("Worker {}: {} bytes in flight reach outbound.inflight_bytes ({}); taking no records until some commit"
                        + " (logged once; see the budget_pauses counter)", s.workerId(), heldBytes(), s.inflightBytes());
            }
        }
        List<TopicPartition> pause = null;
        List<TopicPartition> resume = null;
        for (PartitionWindow w : windows.values()) {
            boolean want = all || stopRequested || budget || w.inProgress() >= s.windowLimit() || w.held() >= s.holdLimit();
            if (want == w.paused) continue;
            w.paused = want;
            if (want) {
                if (pause == null) pause = new ArrayList<>();
                pause.add(w.tp);
            } else {
                if (resume == null) resume = new ArrayList<>();
                resume.add(w.tp);
            }
        }
        if (pause != null) consumer.pause(pause);
        if (resume != null) consumer.resume(resume);
    }

    /**
     * Hands every finished job's outputs to the pending batch: the completed prefix of each
     * partition, and the jobs finished behind an unfinished head (their offsets go into the commit
     * metadata, so a new owner skips them after a crash instead of delivering them again).
     */
    private void publishPrefixes() {
        for (PartitionWindow w : windows.values()) {
            if (w.isEmpty()) continue;
            long next = w.drainCompleted(commits::add);
            boolean ahead = w.publishAhead(commits::add);
            if (next < 0 && !ahead) continue;
            long base = w.isEmpty() ? next : w.firstOffset();
            commits.offset(w, base, w.doneAbove(base, doneOffsets));
        }
    }

    /** The group was lost for good: give everything up and rewind to the first uncommitted record. */
    private void lostGroup(List<Job> uncommitted) {
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (Job j : uncommitted) rewind.merge(j.window.tp, j.offset(), Math::min);
        for (PartitionWindow w : windows.values()) {
            long first = w.firstOffset();
            if (first >= 0) rewind.merge(w.tp, first, Math::min);
            counters.abandoned.addAndGet(w.clear(PollLoop.this::abandonWaiting));
            // Jobs published ahead by committed transactions lie above the committed offset: read
            // again from there, skipping what the committed metadata names.
            if (rewind.containsKey(w.tp) && w.committedOffset() >= 0) {
                rewind.put(w.tp, w.committedOffset());
                w.rewound();
            }
        }
        counters.abandoned.addAndGet(uncommitted.size());
        Set<TopicPartition> owned = consumer.assignment();
        rewind.forEach((tp, offset) -> {
            if (owned.contains(tp)) consumer.seek(tp, offset);
        });
        log.warn("Worker {} gave up {} partition(s) after losing its group membership; records will be redelivered",
                s.workerId(), rewind.size());
    }

    /** Takes nothing new, lets in-flight deliveries finish within the shutdown timeout, commits, closes. */
    private void shutdown() {
        limits(true);
        applyPauses(true);
        for (PartitionWindow w : windows.values()) withdrawWaiting(w);
        long deadline = System.nanoTime() + s.shutdownTimeout().toNanos();
        // Not dispatcher.running(): a delivery thread frees its slot just before it reports the job
        // done, so "none running" can be seen while a finished job is not yet collected.
        while (running(windows.values()) && System.nanoTime() < deadline) {
            applyPauses(true);
            consumer.poll(Duration.ofMillis(pollMillis()));
            drainCompletions(0);
            publishPrefixes();
            commits.tick(consumer::groupMetadata);
        }
        drainCompletions(0);
        publishPrefixes();
        commits.flush(remainingOrMin(deadline), consumer::groupMetadata);
        int left = commits.held();
        for (PartitionWindow w : windows.values()) left += w.clear(PollLoop.this::abandonWaiting);
        counters.abandoned.addAndGet(left);
        if (dispatcher.running() > 0 || left > 0) {
            log.warn("Worker {} stopped with {} delivery(ies) still running and {} record(s) uncommitted; they will be redelivered",
                    s.workerId(), dispatcher.running(), left);
        }
        closing = true;
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
        commits.close();
        log.info("Worker {} stopped", s.workerId());
    }

    private static Duration remainingOrMin(long deadline) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        return left.compareTo(MIN_FLUSH) < 0 ? MIN_FLUSH : left;
    }

    private void withdrawWaiting(PartitionWindow w) {
        for (Job j : w.jobs()) {
            if (j.state == Job.State.WAITING && abandonWaiting(j)) w.left(j);
        }
    }

    private boolean abandonWaiting(Job j) {
        return dispatcher.withdraw(j, Job.State.ABANDONED);
    }

    /** What a crash leaves: nothing committed, the producer and consumer dropped, the group not told. */
    private void halt() {
        int held = commits.held();
        for (PartitionWindow w : windows.values()) held += w.held();
        uncommittedAtHalt = held;
        closing = true;
        commits.halt();
        consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
                .withTimeout(Duration.ZERO));
    }

    private void closeQuietly() {
        closing = true;
        try {
            commits.close();
        } catch (RuntimeException e) {
            log.debug("Closing producer: {}", e.toString());
        }
        try {
            if (consumer != null) consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            log.debug("Closing consumer: {}", e.toString());
        }
    }

    /** Rebalance callbacks, run inside {@code poll} on the loop thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> committed = committed(partitions);
            for (TopicPartition tp : partitions) {
                PartitionWindow w = new PartitionWindow(tp);
                OffsetAndMetadata c = committed.get(tp);
                if (c != null) w.assigned(c.offset(), c.metadata());
                windows.putIfAbsent(tp, w);
            }
            assignment = Set.copyOf(windows.keySet());
            if (!partitions.isEmpty()) log.info("Worker {} assigned {}", s.workerId(), partitions);
        }

        /**
         * The committed offsets and metadata of newly assigned partitions, read before any of their
         * records is taken: without the metadata, records a former owner finished ahead of its
         * committed offset would be delivered (and their events published) a second time. Waits
         * for the broker rather than guess.
         */
        private Map<TopicPartition, OffsetAndMetadata> committed(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return Map.of();
            Set<TopicPartition> asked = new HashSet<>(partitions);
            while (true) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> c = consumer.committed(asked, s.initTimeout());
                    return c == null ? Map.of() : c;
                } catch (RetriableException e) {
                    if (stopRequested) throw e;
                    log.warn("Worker {}: reading the committed offsets of {} failed ({}); retrying", s.workerId(), asked, e.toString());
                }
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions, false);
        }

        private void release(Collection<TopicPartition> partitions, boolean commit) {
            if (closing) return;
            List<PartitionWindow> leaving = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                PartitionWindow w = windows.get(tp);
                if (w != null) leaving.add(w);
            }
            if (leaving.isEmpty()) return;
            if (commit) {
                finishInFlight(leaving);
            } else {
                commits.awaitInFlight(MIN_FLUSH);
            }
            int left = 0;
            for (PartitionWindow w : leaving) {
                left += w.clear(PollLoop.this::abandonWaiting);
                w.gone = true;
                windows.remove(w.tp);
            }
            commits.dropGone(); // what could not commit must not commit later for partitions we no longer own
            counters.abandoned.addAndGet(left);
            assignment = Set.copyOf(windows.keySet());
            log.info("Worker {} {} {}{}", s.workerId(), commit ? "revoked" : "lost", partitions,
                    left > 0 ? " (" + left + " uncommitted record(s) left for the next owner)" : "");
        }

        private void finishInFlight(List<PartitionWindow> leaving) {
            for (PartitionWindow w : leaving) withdrawWaiting(w);
            long deadline = System.nanoTime() + s.revokeTimeout().toNanos();
            while (running(leaving) && System.nanoTime() < deadline) {
                drainCompletions(Math.min(20, s.commitInterval().toMillis()));
                publishPrefixes();
                commits.tick(consumer::groupMetadata);
            }
            drainCompletions(0);
            publishPrefixes();
            commits.flush(remainingOrMin(deadline), consumer::groupMetadata);
        }

    }

    /** True while a job of these windows is delivering (its completion not yet collected). */
    private static boolean running(Collection<PartitionWindow> windows) {
        for (PartitionWindow w : windows) {
            for (Job j : w.jobs()) if (j.state == Job.State.RUNNING) return true;
        }
        return false;
    }

    // --- control from other threads

    /** Waits until the loop is initialised; rethrows its start-up failure. */
    public void awaitReady(Duration timeout) throws Exception {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    /** Asks the loop to stop gracefully. */
    public void stop() {
        stopRequested = true;
    }

    /** Asks the loop to stop as if the process died: nothing more is committed. */
    public void haltNow() {
        halted = true;
        stopRequested = true;
    }

    /** Waits until the loop has exited. */
    public boolean awaitDone(Duration timeout) throws InterruptedException {
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** Records taken but uncommitted when {@link #haltNow()} took effect; -1 before. */
    public int uncommittedAtHalt() {
        return uncommittedAtHalt;
    }

    /** True from the end of start-up until the loop exits. */
    public boolean isRunning() {
        return ready.isDone() && !ready.isCompletedExceptionally() && !done.isDone();
    }

    /** The error that stopped the loop, or null. */
    public Throwable failure() {
        return failure;
    }

    public int inFlight() {
        return dispatcher.running();
    }

    /** Bytes held as last computed (see {@code outbound.inflight_bytes}). */
    public long inflightBytes() {
        return inflightBytes;
    }

    public boolean deliveryPausedNow() {
        return paused;
    }

    public Set<TopicPartition> assignment() {
        return assignment;
    }

    public Counters counters() {
        return counters;
    }
}

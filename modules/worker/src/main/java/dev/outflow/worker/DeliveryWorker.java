package dev.outflow.worker;

import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.cancel.CancelList;
import dev.outflow.codec.cancel.Cancellation;
import dev.outflow.codec.control.ControlListener;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.bounce.BounceBuilder;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.LiveConfig;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.delivery.Deliverer;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.disposition.Disposition;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.DomainShards;
import dev.outflow.core.mx.MxLookup;
import dev.outflow.core.mx.MxLookupResult;
import dev.outflow.core.mx.MxResolver;
import dev.outflow.stage.Stage;
import dev.outflow.stage.StageClients;
import dev.outflow.stage.StageTopics;
import dev.outflow.worker.internal.Counters;
import dev.outflow.worker.internal.LoopSettings;
import dev.outflow.worker.internal.PollLoop;
import dev.outflow.worker.internal.Shaper;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateless delivery worker: consumes {@code outflow.outbound} in the consumer group
 * {@code <topic.prefix>worker}, delivers each record with core's {@link Deliverer}, decides its fate
 * with {@link Disposition}, and publishes the outcome.
 *
 * <h2>Delivery semantics</h2>
 * <ul>
 * <li><b>Threads.</b> One platform thread polls (one consumer; classic group protocol with the
 *     cooperative sticky assignor, or KIP-848 when {@code group.protocol=consumer} is passed
 *     through), decodes, checks and queues records. Deliveries run on virtual threads, at most
 *     {@code outbound.concurrency_max} at once (hot, re-read every poll turn) and at most
 *     {@code outbound.domain_concurrency} per recipient domain, or as the domain's shaping rule
 *     says ({@code shaping.rules}, docs/shaping.md: connections, per-connection, rates, back-off);
 *     a finishing delivery thread starts the next waiting record itself. A second platform thread runs the Kafka transactions, so
 *     polling and delivering never wait for a commit. A record's {@code notBefore} is the
 *     scheduler's business: the worker delivers what it gets.</li>
 * <li><b>Events and offsets in one transaction.</b> Offsets are committed only for the contiguous
 *     completed prefix of each partition. A record's events (and retry, DSN, DLQ or parked copy)
 *     are published in the same transaction as the offset that covers it, so results completed out
 *     of order are held in memory until every earlier record of the partition completes. A
 *     transaction commits every {@code worker.commit_interval} (default 50 ms), or as soon as the
 *     previous one finished when commits take longer, never per record.
 *     The producer's {@code transactional.id} is {@code <topic.prefix>worker-<worker id>}; offsets
 *     go in with the consumer's group metadata, so a zombie cannot commit.</li>
 * <li><b>Outcomes</b> (see {@code docs/events.md}): DELIVERED → {@code delivered}; DEFERRED with the
 *     retry message embedded (attempt + 1, {@code notBefore}) → {@code deferred}; BOUNCED →
 *     {@code bounced}, plus the DSN queued to {@code outbound} (keyed by the sender's domain) in the
 *     same transaction; DROPPED (the deferred hook said OK: terminal, not delivered) →
 *     {@code bounced}. The delivered hook runs after the commit.</li>
 * <li><b>Poison records.</b> Undecodable records go to {@code dlq} with the reason; decodable but
 *     invalid ones (no recipients, a bad address, a recipient outside the message's domain) go to
 *     {@code dlq} and get a REJECTED event on {@code bounced}. Their offsets complete: the partition
 *     keeps moving.</li>
 * <li><b>Pause.</b> {@code outbound.disabled} (hot) or a PAUSE on the control topic pauses every
 *     assigned partition: the consumer keeps polling (group liveness) but takes nothing new, and
 *     deliveries already running finish. Submissions keep queueing on the topic.</li>
 * <li><b>Backpressure, no head-of-line blocking.</b> A partition is paused while
 *     {@code outbound.inflight_per_partition} of its records are waiting or delivering, or twice
 *     that many are unpublished. When its window is full and a domain is at its limit, that
 *     domain's waiting records that would wait longer than {@code outbound.throttle_delay} anyway
 *     (estimated from the domain's recent completion rate) are <i>parked</i>: copied (same key,
 *     attempt unchanged, {@code throttled = true}, {@code notBefore = now + outbound.throttle_delay})
 *     to the first delay bucket, in the transaction, and their offsets complete; no event is
 *     published and the deferred hook does not run. The scheduler queues them again when due. A
 *     busy but moving domain is not parked: its partition just waits for the window to drain; a
 *     hot domain is better spread with {@code outbound.domain_shards}. A delivery that holds back
 *     finished records of its partition for longer than {@code outbound.partition_hold_timeout}
 *     is cut short (connection closed, recipients deferred with 451 4.4.7, attempt counted).</li>
 * <li><b>Memory.</b> While the bytes held (records taken and not committed, decoded copies and
 *     outputs included) exceed {@code outbound.inflight_bytes} (default a quarter of the heap),
 *     every partition is paused; records a poll returned beyond the budget are read again later.</li>
 * <li><b>Rebalance, failures.</b> On revoke, the partitions' waiting records are given up and
 *     in-flight ones may finish (up to 15 s) before the completed prefix is committed; after that
 *     the worker never hands offsets of those partitions to a transaction again (a commit refused
 *     during the rebalance is retried without them). A fenced or
 *     failed producer is replaced; abortable errors (also CONCURRENT_TRANSACTIONS and
 *     OUT_OF_ORDER_SEQUENCE_NUMBER on fresh partitions) abort and re-send the same records; an
 *     outcome record the broker refuses for good (too large for its topic) is replaced by a DLQ
 *     copy of the consumed record, so it cannot stall the partition.</li>
 * <li><b>Crash safety.</b> At-least-once: a record whose offset was not committed is redelivered,
 *     so a delivery in flight at a crash may reach the MX twice; its events are never duplicated
 *     (read them {@code read_committed}). A restarted worker with the same {@code worker.id}
 *     aborts its predecessor's open transaction at once; another worker waits for its
 *     transaction timeout (15 s).</li>
 * </ul>
 *
 * <pre>{@code
 * try (DeliveryWorker worker = DeliveryWorker.fromConfig(liveConfig, kafkaProps).start()) {
 *     ... // until the process is told to stop
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} may be called from any thread, the
 * counters read from any thread. {@link #start()} fails with {@link IllegalStateException} when
 * the broker cannot be reached within 60 s.
 */
public final class DeliveryWorker implements Stage {
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CONTROL_CATCH_UP = Duration.ofSeconds(15);
    private static final Duration MAX_REVOKE_WAIT = Duration.ofSeconds(15);
    private static final int MAX_BATCH = 2000;

    private final Builder b;
    private final String workerId;
    private final PollLoop loop;
    private final Thread thread;
    private ControlListener control;
    private boolean started;
    private boolean closed;

    private DeliveryWorker(Builder b) {
        this.b = b;
        Config c = b.config.get();
        this.workerId = b.workerId != null ? b.workerId : c.processId();
        Duration shutdown = c.get(OutflowKeys.SHUTDOWN_TIMEOUT);
        int window = c.get(OutflowKeys.INFLIGHT_PER_PARTITION);
        LoopSettings settings = new LoopSettings(b.topics, workerId, c.get(OutflowKeys.WORKER_COMMIT_INTERVAL), MAX_BATCH,
                shutdown, shutdown.compareTo(MAX_REVOKE_WAIT) < 0 ? shutdown : MAX_REVOKE_WAIT, window, 2 * window,
                c.get(OutflowKeys.THROTTLE_DELAY), START_TIMEOUT, inflightBytes(c), c.get(OutflowKeys.PARTITION_HOLD_TIMEOUT));
        long maxRecord = Topics.maxRecordBytes(c.get(OutflowKeys.MAX_MESSAGE_BYTES));
        Map<String, Object> consumerProps = StageClients.consumer(b.kafka, groupId(), "outflow-worker-" + workerId);
        Map<String, Object> producerProps = StageClients.transactionalProducer(b.kafka, transactionalId(),
                "outflow-worker-" + workerId + "-tx", 10, maxRecord);
        BooleanSupplier controlPaused = b.controlPause != null ? b.controlPause : () -> control != null && control.paused();
        this.loop = PollLoop.create(
                () -> new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                () -> b.producerDecorator.apply(new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())),
                b.deliverer, b.disposition, b.codecs, DomainShards.from(c), b.config, controlPaused, settings, b.clock,
                b.deliveredHook, b.shaper);
        this.thread = Thread.ofPlatform().name("outflow-worker-" + workerId).unstarted(loop);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A worker wired from configuration, for {@code outflow worker} and {@code outflow up}: plugins
     * ({@code plugins}, {@code plugins.dir}), DNS MX resolution ({@code dns.*}), the SMTP client,
     * retry schedule, DSN builder, topic names and codec. The worker owns and closes the deliverer.
     *
     * @param kafkaClientProps bootstrap servers plus {@code kafka.client.*} pass-through settings
     * @throws dev.outflow.core.config.ConfigException on a bad plugin or DNS setting
     */
    public static DeliveryWorker fromConfig(LiveConfig config, Map<String, Object> kafkaClientProps) {
        return fromConfig(config, kafkaClientProps, MxResolver.fromConfig(config.get()));
    }

    /** As {@link #fromConfig(LiveConfig, Map)}, with MX lookups from {@code mx} (tests, benchmarks). */
    public static DeliveryWorker fromConfig(LiveConfig config, Map<String, Object> kafkaClientProps, MxLookup mx) {
        return configure(config, kafkaClientProps, mx).build();
    }

    /**
     * The builder {@link #fromConfig(LiveConfig, Map, MxLookup)} uses, to change a part (worker id,
     * pause source) before building.
     */
    public static Builder configure(LiveConfig config, Map<String, Object> kafkaClientProps, MxLookup mx) {
        return configure(config, kafkaClientProps, mx, PluginChain.load(config.get()));
    }

    /** As {@link #configure(LiveConfig, Map, MxLookup)}, with these plugins instead of the configured ones. */
    public static Builder configure(LiveConfig config, Map<String, Object> kafkaClientProps, MxLookup mx, PluginChain plugins) {
        Config c = config.get();
        Clock clock = Clock.systemUTC();
        Deliverer deliverer = new Deliverer(config, plugins, mx, clock);
        Disposition disposition = Disposition.fromConfig(config, plugins, BounceBuilder.fromConfig(c, clock));
        CancelList cancels = followCancellations(kafkaClientProps, StageTopics.from(c));
        deliverer.cancellations(d -> cancels.find(d.id(), d.domain(), d.queuedAt().toEpochMilli()).map(x -> Cancellation.REASON).orElse(null));
        return builder()
                .kafka(kafkaClientProps)
                .config(config)
                .topics(StageTopics.from(c))
                .codecs(Serdes.forConfig(c.get(OutflowKeys.SCHEMA_REGISTRY_URL), c.get(OutflowKeys.EVENTS_FORMAT)))
                .deliverer(deliverer)
                .disposition(disposition)
                .deliveredHook(plugins)
                .clock(clock)
                .shapingMx(mx)
                .closing(deliverer)
                .closing(cancels);
    }

    /** {@code outflow cancel}: the cancellations topic, followed for as long as the worker runs. */
    private static CancelList followCancellations(Map<String, Object> kafkaClientProps, Topics topics) {
        try {
            return new CancelList(kafkaClientProps, topics.cancellations()).start(Duration.ofSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + topics.cancellations(), e);
        }
    }

    /**
     * Starts consuming: initialises transactions, joins the group, follows the control topic
     * (unless a pause source was given), then returns.
     *
     * @throws IllegalStateException when start-up fails (the cause says why); the worker is closed
     */
    @Override
    public synchronized DeliveryWorker start() {
        if (started || closed) throw new IllegalStateException("worker " + workerId + " already " + (closed ? "closed" : "started"));
        started = true;
        try {
            if (b.controlPause == null && b.followControl) {
                control = new ControlListener(b.kafka, b.topics.control(), b.codecs.controlCommand(), ControlListener.ignore());
                control.start(CONTROL_CATCH_UP);
            }
            thread.start();
            loop.awaitReady(START_TIMEOUT);
            log.info("Worker {} started: group {}, transactional id {}", workerId, groupId(), transactionalId());
            return this;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("worker " + workerId + " failed to start: " + e.getMessage(), e);
        }
    }

    /**
     * Stops gracefully: takes nothing new, lets in-flight deliveries finish within
     * {@code worker.shutdown_timeout}, commits what completed, leaves the group, and closes what
     * the worker owns. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        loop.stop();
        try {
            if (thread.getState() != Thread.State.NEW) {
                Duration wait = b.config.get().get(OutflowKeys.SHUTDOWN_TIMEOUT).plusSeconds(30);
                if (!loop.awaitDone(wait)) log.warn("Worker {} poll loop did not stop within {}", workerId, wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (control != null) control.close();
            closeOwned();
        }
    }

    private void closeOwned() {
        for (AutoCloseable c : b.owned) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("Closing {}: {}", c, e.toString());
            }
        }
    }

    /**
     * Test hook: stops as a crash would (no commit, no leaving the group) and waits for the loop.
     *
     * @return records that were taken but not committed
     */
    int haltForTest() throws InterruptedException {
        synchronized (this) {
            closed = true;
        }
        loop.haltNow();
        loop.awaitDone(Duration.ofSeconds(30));
        if (control != null) control.close();
        closeOwned(); // a dead process leaves no threads behind either (the next test's JVM would carry them)
        return loop.uncommittedAtHalt();
    }

    /**
     * True while the worker consumes: started and its poll loop has not exited. False after
     * {@link #close()}, and after an unexpected error stopped it (see {@link #failure()}); a
     * supervisor should then exit or replace the worker.
     */
    @Override
    public boolean isRunning() {
        return loop.isRunning();
    }

    /** The error that stopped the worker on its own, if any. */
    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(loop.failure());
    }

    /** Id in events and in the transactional id. */
    public String workerId() {
        return workerId;
    }

    /** {@code <topic.prefix>worker}: the consumer group of every worker. */
    public String groupId() {
        return b.topics.prefix() + "worker";
    }

    /** {@code <topic.prefix>worker-<worker id>}. */
    public String transactionalId() {
        return b.topics.prefix() + "worker-" + workerId;
    }

    /** Deliveries in progress now. */
    public int inFlight() {
        return loop.inFlight();
    }

    /** True while delivery is paused ({@code outbound.disabled} or the control topic). */
    public boolean isPaused() {
        return loop.deliveryPausedNow();
    }

    /** Partitions of {@code outbound} assigned now. */
    public Set<TopicPartition> assignment() {
        return loop.assignment();
    }

    /** True while the worker holds partitions of {@code outflow.outbound}. */
    @Override
    public boolean isReady() {
        return !assignment().isEmpty();
    }

    /** Committed counts: records with DELIVERED events. */
    public long delivered() {
        return counters().delivered();
    }

    public long deferred() {
        return counters().deferred();
    }

    public long bounced() {
        return counters().bounced();
    }

    public long dropped() {
        return counters().dropped();
    }

    public long rejected() {
        return counters().rejected();
    }

    /** Records copied to the DLQ. */
    public long deadLettered() {
        return counters().deadLettered();
    }

    public long parked() {
        return counters().parked();
    }

    /** Destinations suspended now by a back-off after repeated 421 / 4.7.x replies (docs/shaping.md). */
    public int suspendedDestinations() {
        return b.shaper.suspendedNow();
    }

    /** Deliveries held back by a shaping rate at least once (each record counted once). */
    public long shapingHeld() {
        return b.shaper.held();
    }

    /** All counters, as committed. */
    public Counters counters() {
        return loop.counters();
    }

    /** Registers the counters and the in-flight gauge as {@code outflow.worker.*} meters. */
    public void bindTo(MeterRegistry registry) {
        Counters c = counters();
        counter(registry, "delivered", c, Counters::delivered);
        counter(registry, "deferred", c, Counters::deferred);
        counter(registry, "bounced", c, Counters::bounced);
        counter(registry, "dropped", c, Counters::dropped);
        counter(registry, "rejected", c, Counters::rejected);
        counter(registry, "dlq", c, Counters::deadLettered);
        counter(registry, "parked", c, Counters::parked);
        counter(registry, "transactions", c, Counters::transactions);
        counter(registry, "cut_short", c, Counters::cutShort);
        counter(registry, "skipped_done", c, Counters::skippedDone);
        counter(registry, "budget_pauses", c, Counters::budgetPauses);
        counter(registry, "suspended_parked", c, Counters::suspendedParked);
        FunctionCounter.builder("outflow.worker.shaping_held", b.shaper, Shaper::held).tag("worker", workerId)
                .description("Deliveries held back by a shaping rate (counted once per record)").register(registry);
        Gauge.builder("outflow.worker.suspended_destinations", b.shaper, Shaper::suspendedNow).tag("worker", workerId)
                .description("Destinations suspended now by a back-off (421 / 4.7.x)").register(registry);
        Gauge.builder("outflow.worker.inflight_bytes", loop, PollLoop::inflightBytes).tag("worker", workerId)
                .description("Bytes of records taken and not yet committed, outputs included (outbound.inflight_bytes)").register(registry);
        Gauge.builder("outflow.worker.inflight", loop, PollLoop::inFlight).tag("worker", workerId)
                .description("Deliveries in progress").register(registry);
    }

    private void counter(MeterRegistry registry, String name, Counters c, ToDoubleFunction<Counters> f) {
        FunctionCounter.builder("outflow.worker." + name, c, f).tag("worker", workerId).register(registry);
    }

    /** The exchange of a domain's most preferred MX, or null (no MX, lookup failed). */
    private static String preferredMx(MxLookup mx, String domain) {
        if (mx.lookup(domain) instanceof MxLookupResult.Found f && !f.hosts().isEmpty()) return f.hosts().getFirst().route().exchange();
        return null;
    }

    /** {@code outbound.inflight_bytes}, where 0 means a quarter of the maximum heap. */
    static long inflightBytes(Config c) {
        long configured = c.get(OutflowKeys.INFLIGHT_BYTES);
        return configured > 0 ? configured : Math.max(1, Runtime.getRuntime().maxMemory() / 4);
    }

    /** Assembles a {@link DeliveryWorker}. Not thread-safe. */
    public static final class Builder {
        private Map<String, Object> kafka;
        private LiveConfig config;
        private Topics topics;
        private CodecFactory codecs = Serdes.singleObject();
        private Function<Delivery, DeliveryResult> deliverer;
        private Disposition disposition;
        private PluginChain deliveredHook;
        private Clock clock = Clock.systemUTC();
        private Shaper shaper;
        private Deliverer smtp;
        private MxLookup shapingMx;
        private String workerId;
        private BooleanSupplier controlPause;
        private boolean followControl = true;
        private UnaryOperator<Producer<byte[], byte[]>> producerDecorator = p -> p;
        private java.util.function.BiConsumer<DeliveryResult, java.time.Duration> attempts;
        private final List<AutoCloseable> owned = new ArrayList<>();

        private Builder() {
        }

        /** Bootstrap servers and pass-through client settings (required). */
        public Builder kafka(Map<String, Object> kafkaClientProps) {
            this.kafka = new HashMap<>(kafkaClientProps);
            return this;
        }

        /** The live configuration (required): limits, hot keys, timeouts. */
        public Builder config(LiveConfig config) {
            this.config = config;
            return this;
        }

        /** Topic names (required). */
        public Builder topics(Topics topics) {
            this.topics = topics;
            return this;
        }

        /** Record codec (default: single-object Avro). */
        public Builder codecs(CodecFactory codecs) {
            this.codecs = codecs;
            return this;
        }

        /**
         * The deliverer (required). Its delivered-hook call should be suppressed (see
         * {@link #deliveredHook}); {@link #fromConfig} arranges that.
         */
        public Builder deliverer(Deliverer deliverer) {
            this.deliverer = deliverer::deliver;
            this.smtp = deliverer;
            return this;
        }

        /** Any blocking delivery function (tests, benchmarks). */
        public Builder deliverer(Function<Delivery, DeliveryResult> deliverer) {
            this.deliverer = deliverer;
            this.smtp = null;
            return this;
        }

        /** Retry, bounce and DSN decisions (required). */
        public Builder disposition(Disposition disposition) {
            this.disposition = disposition;
            return this;
        }

        /** Plugins whose delivered hook runs after the commit (default: none). */
        public Builder deliveredHook(PluginChain plugins) {
            this.deliveredHook = plugins;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Default: {@code worker.id}, else host name and pid. Keep it stable across restarts. */
        public Builder workerId(String workerId) {
            this.workerId = workerId;
            return this;
        }

        /** Where the cluster-wide pause comes from; default: a {@link ControlListener} on the control topic. */
        public Builder controlPause(BooleanSupplier paused) {
            this.controlPause = paused;
            return this;
        }

        /** False: ignore the control topic (only {@code outbound.disabled} pauses). */
        public Builder followControlTopic(boolean follow) {
            this.followControl = follow;
            return this;
        }

        /** Wraps each transactional producer the worker creates (tests: a broker that answers slowly). */
        Builder producerDecorator(UnaryOperator<Producer<byte[], byte[]>> decorator) {
            this.producerDecorator = Objects.requireNonNull(decorator);
            return this;
        }

        /**
         * Observers for metrics: every delivery attempt with how long it took, and every decision
         * taken on its result. Both are called on delivery threads and must be quick.
         */
        public Builder observe(java.util.function.BiConsumer<DeliveryResult, java.time.Duration> attempt,
                               java.util.function.Consumer<dev.outflow.core.disposition.DispositionPlan> decision) {
            this.attempts = Objects.requireNonNull(attempt);
            Objects.requireNonNull(disposition, "disposition before observe").observe(decision);
            return this;
        }

        /**
         * Where shaping looks up the MX of a domain first seen, to pick its MX suffix rule before its
         * first delivery (default: none, the first delivery runs alone and tells). {@link #configure} sets it.
         */
        public Builder shapingMx(MxLookup mx) {
            this.shapingMx = mx;
            return this;
        }

        /** Closed after the worker stopped (e.g. the deliverer). */
        public Builder closing(AutoCloseable resource) {
            owned.add(Objects.requireNonNull(resource));
            return this;
        }

        public DeliveryWorker build() {
            Objects.requireNonNull(kafka, "kafka");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(codecs, "codecs");
            Objects.requireNonNull(deliverer, "deliverer");
            Objects.requireNonNull(disposition, "disposition");
            Objects.requireNonNull(clock, "clock");
            // Read here, on the worker's clock; a bad rules file is a ConfigException (exit 2).
            MxLookup mx = shapingMx;
            shaper = Shaper.fromConfig(config.get(), clock, mx == null ? null : domain -> preferredMx(mx, domain));
            if (smtp != null) smtp.client().pool().perHostMaxMessages(shaper::maxPerConnection);
            if (attempts != null) {
                Function<Delivery, DeliveryResult> inner = deliverer;
                var observer = attempts;
                deliverer = d -> {
                    long t0 = System.nanoTime();
                    DeliveryResult r = inner.apply(d);
                    observer.accept(r, java.time.Duration.ofNanos(System.nanoTime() - t0));
                    return r;
                };
                attempts = null;
            }
            return new DeliveryWorker(this);
        }
    }
}

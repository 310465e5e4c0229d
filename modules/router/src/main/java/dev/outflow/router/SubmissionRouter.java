package dev.outflow.router;

import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.TopicSpec;
import dev.outflow.codec.topics.Topics;
import dev.outflow.stage.StageTopics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.LiveConfig;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionList;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.SuppressionCheck;
import dev.outflow.core.retry.RetrySchedule;
import dev.outflow.router.internal.RecordHandler;
import dev.outflow.router.internal.Refusals;
import dev.outflow.router.internal.RetryTopics;
import dev.outflow.router.internal.RouterClientSupplier;
import dev.outflow.router.internal.RouterClients;
import dev.outflow.router.internal.RouterCounters;
import dev.outflow.router.internal.RouterOutputs;
import dev.outflow.router.internal.RouterTopology;
import dev.outflow.router.internal.SubmissionDecoder;
import dev.outflow.router.internal.Transaction;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka-native intake ({@code outflow router}, part of {@code outflow up}): reads
 * {@code outflow.submissions} as the Kafka Streams application {@code <topic.prefix>router} (also
 * its consumer group), and for each record — Avro single-object, Confluent-framed Avro (with
 * {@code schema.registry.url}) or JSON, told apart per record — runs the one intake path of every
 * channel ({@link Intake}: validation, Message-ID/Date completion, the queue_outbound hooks, the
 * split per domain and shard) and writes one {@code OutboundMessage} per part to
 * {@code outflow.outbound}, keyed by routing key, source channel {@code kafka}. See
 * {@code docs/submissions.md}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 * <li><b>Exactly once.</b> Kafka Streams with {@code processing.guarantee=exactly_once_v2}: the
 *     outbound parts, rejections, dedupe entries, waiting retries and the input offsets are
 *     committed in one transaction every {@code router.commit_interval}; a crash loses or
 *     duplicates nothing (read the outputs {@code read_committed}).</li>
 * <li><b>Idempotent submissions.</b> A submission whose {@code id} was queued within
 *     {@code router.dedupe_window} (default 24 h) on the same partition of the submissions topic
 *     is skipped (key submissions by id, as {@code OutflowClient} and {@code outflow send} do).
 *     The ids live in a RocksDB window store per partition under {@code router.state_dir},
 *     changelogged to {@code <topic.prefix>router-dedupe-changelog}, so dedupe survives restarts
 *     and moves with its partition to another router.</li>
 * <li><b>Bad input never stops the router.</b> Undecodable records, invalid envelopes, messages
 *     over {@code outbound.max_message_bytes}, more recipients than {@code router.max_recipients},
 *     queue_outbound DENY and records whose outputs the broker refuses each produce a copy on
 *     {@code outflow.dlq} (with the {@code outflow.error} reason header) and a
 *     {@code DeliveryEvent} with outcome {@code REJECTED} on {@code outflow.bounced}, keyed by the
 *     submission id (or a fresh id), one recipient status per known recipient.</li>
 * <li><b>Temporary refusals are retried.</b> queue_outbound DENYSOFT, a plugin that throws and an
 *     internal error put the submission on a retry topic {@code <topic.prefix>router.retry.<delay>}
 *     (created at start, one per distinct delay of {@code router.retry_intervals}) in the same
 *     transaction; read back before it is due, it waits in a changelogged store and is decided
 *     again when due, while its partition of the submissions topic keeps moving. When the
 *     intervals are used up: DLQ copy and REJECTED with 451 and the last reason.</li>
 * </ul>
 *
 * <pre>{@code
 * try (SubmissionRouter router = SubmissionRouter.builder()
 *         .kafka(Map.of("bootstrap.servers", "127.0.0.1:9092"))
 *         .config(liveConfig).topics(topics).codecs(codecs).plugins(plugins)
 *         .build().start()) {
 *     ... // until the process is told to stop
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} may be called from any thread, counters
 * read from any thread. {@link #start()} throws {@link IllegalStateException} when the submissions
 * topic does not exist or the broker cannot be reached within 60 s.
 */
public final class SubmissionRouter implements AutoCloseable {
    /** Submission header naming the channel ({@code api} or {@code cli}; others are recorded as {@code kafka}). */
    public static final String CHANNEL_HEADER = "outflow.channel";
    /** Submission header naming the user of {@link #CHANNEL_HEADER} (e.g. the login running {@code outflow send}). */
    public static final String USER_HEADER = "outflow.user";
    private static final Logger log = LoggerFactory.getLogger(SubmissionRouter.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** How often the outbound topic's record limit is read again while the router runs. */
    private static final Duration LIMIT_REFRESH = Duration.ofSeconds(5);
    // How often retry records waiting in the store are checked for being due.
    private static final Duration RELEASE_EVERY = Duration.ofMillis(250);

    private final Builder b;
    private final String routerId;
    private final Config config;
    private final RouterCounters counters = new RouterCounters();
    private final Refusals refusals = new Refusals();
    private final Transaction txn = new Transaction(counters, refusals);
    private final AtomicInteger threadFailures = new AtomicInteger();
    private final CompletableFuture<Void> running = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private KafkaStreams streams;
    private RetryTopics retryTopics;
    private volatile long outboundLimit = Long.MAX_VALUE;
    /** Re-reads the outbound topic's limit while the router runs (see {@link #refreshLimit()}). */
    private java.util.concurrent.ScheduledExecutorService limitRefresher;
    /** The refresher's client, opened once: used by the refresher's thread only, closed with the router. */
    private volatile Admin limitAdmin;
    private SuppressionList suppressions;
    private boolean started;
    private boolean closed;

    private SubmissionRouter(Builder b) {
        this.b = b;
        this.config = b.config.get();
        this.routerId = b.routerId != null ? b.routerId : config.processId();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A router wired from configuration, for {@code outflow router} and {@code outflow up}: topic
     * names, codecs ({@code schema.registry.url}), the process's plugin chain, system clock.
     *
     * @param kafkaClientProps bootstrap servers plus {@code kafka.client.*} pass-through settings
     */
    public static SubmissionRouter fromConfig(LiveConfig config, Map<String, Object> kafkaClientProps, PluginChain plugins) {
        Config c = config.get();
        return builder()
                .kafka(kafkaClientProps)
                .config(config)
                .topics(StageTopics.from(c))
                .codecs(Serdes.forConfig(c.get(OutflowKeys.SCHEMA_REGISTRY_URL), c.get(OutflowKeys.EVENTS_FORMAT)))
                .plugins(plugins)
                .build();
    }

    /**
     * Creates the retry topics when missing, starts the Streams application and waits (up to 60 s)
     * until it runs: partitions assigned and their stores restored. A router still restoring
     * after that is returned and keeps starting.
     *
     * @throws IllegalStateException when start-up fails; the router is closed
     */
    public synchronized SubmissionRouter start() {
        if (started || closed) throw new IllegalStateException("router " + routerId + " already " + (closed ? "closed" : "started"));
        started = true;
        try {
            ensureTopics();
            streams = newStreams();
            streams.start();
            limitRefresher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("outflow-router-" + routerId + "-limit").factory());
            limitRefresher.scheduleWithFixedDelay(this::refreshLimit, LIMIT_REFRESH.toMillis(), LIMIT_REFRESH.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                running.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                log.warn("Router {} not running after {} (state {}); it keeps starting", routerId, START_TIMEOUT, streams.state());
            }
            log.info("Router {} started: {} → {}, Kafka Streams application {} (exactly-once v2), state in {}", routerId,
                    b.topics.submissions(), b.topics.outbound(), groupId(), stateDir());
            return this;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            close();
            throw new IllegalStateException("router " + routerId + " failed to start: " + cause.getMessage(), cause);
        }
    }

    /**
     * Re-reads the outbound topic's {@code max.message.bytes}. A limit lowered after start would
     * otherwise make the producer split and resend a too-large record until its transaction times
     * out, over and over (the broker's refusal never reaches the refusal handler); with the new
     * limit, the part is rejected before it is sent.
     */
    private void refreshLimit() {
        try {
            Admin admin = limitAdmin;
            if (admin == null) {
                admin = Admin.create(RouterClients.admin(b.kafka, "outflow-router-" + routerId + "-limit"));
                limitAdmin = admin;
            }
            long limit = maxMessageBytes(admin, b.topics.outbound());
            if (limit != outboundLimit) {
                log.info("Router {}: the outbound topic now takes records up to {} bytes", routerId, limit);
                outboundLimit = limit;
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            log.debug("Router {}: reading the outbound topic's limit failed: {}", routerId, e.toString());
        }
    }

    private KafkaStreams newStreams() throws InterruptedException {
        long maxRecord = Topics.maxRecordBytes(config.get(OutflowKeys.MAX_MESSAGE_BYTES));
        int maxRequest = (int) Math.min(Integer.MAX_VALUE, Math.max(1 << 20, maxRecord));
        Duration commitInterval = config.get(OutflowKeys.ROUTER_COMMIT_INTERVAL);
        Intake intake = new Intake(config, b.plugins, b.clock, suppressionCheck());
        RecordHandler handler = new RecordHandler(new SubmissionDecoder(b.codecs), intake,
                new RouterOutputs(b.topics, b.codecs, routerId, () -> Math.min(maxRequest, outboundLimit)), retryTopics,
                config.get(OutflowKeys.ROUTER_MAX_RECIPIENTS));
        var topology = RouterTopology.build(b.topics.submissions(), handler, retryTopics, refusals, txn, b.clock,
                config.get(OutflowKeys.ROUTER_DEDUPE_WINDOW), RELEASE_EVERY);
        var props = RouterClients.streams(b.kafka, groupId(), "outflow-router-" + routerId, "outflow-router-" + routerId, stateDir(), commitInterval.toMillis(),
                maxRequest, config.get(OutflowKeys.TOPIC_REPLICATION_FACTOR), refusals);
        KafkaStreams s = new KafkaStreams(topology, props, new RouterClientSupplier(txn));
        s.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) running.complete(null);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_ERROR) {
                running.completeExceptionally(new IllegalStateException("Kafka Streams went from " + before + " to " + now));
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) stopped.complete(null);
        });
        s.setUncaughtExceptionHandler(this::onThreadFailure);
        return s;
    }

    /**
     * The suppression list this router follows (the compacted suppressions topic, read into
     * memory): a suppressed recipient makes Intake reject the submission, which the router turns
     * into a REJECTED event naming the suppression.
     */
    private SuppressionCheck suppressionCheck() throws InterruptedException {
        if (!config.get(OutflowKeys.SUPPRESSION_ENABLED)) return SuppressionCheck.NONE;
        suppressions = new SuppressionList(b.kafka, b.topics.suppressions()).start(Duration.ofSeconds(15));
        SuppressionList list = suppressions;
        return address -> list.find(address).map(Suppression::describe).orElse(null);
    }

    /**
     * A stream thread died: a halted router stops; otherwise the thread is replaced (after a
     * back-off), its tasks processed again from the last commit — as the loop before it did after
     * an aborted transaction, and how a record whose outputs the broker refused gets rejected.
     */
    private StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onThreadFailure(Throwable e) {
        if (txn.isHalted()) return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        int n = threadFailures.incrementAndGet();
        log.warn("Router {}: stream thread failed ({} in all); replacing it, its records are read again: {}", routerId, n, e.toString());
        try {
            TimeUnit.MILLISECONDS.sleep(Math.min(2_000, 50L << Math.min(n, 6)));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * {@code router.state_dir} (else {@code <data.dir>/router}) / the router id given to the
     * builder, else {@code worker.id}, else the host name — not the pid of the default router id,
     * so a restarted router finds its state (and Streams' transactional ids) again. Streams needs
     * one folder per running instance: a second router on the same folder fails to start.
     */
    public Path stateDir() {
        String p = config.get(OutflowKeys.ROUTER_STATE_DIR);
        Path base = p != null && !p.isBlank() ? Path.of(p.strip()) : config.get(OutflowKeys.DATA_DIR).resolve("router");
        String name = b.routerId;
        if (name == null) name = config.get(OutflowKeys.WORKER_ID);
        if (name == null || name.isBlank()) {
            try {
                name = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                name = "localhost";
            }
        }
        return base.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    /**
     * Creates the retry topics of {@code router.retry_intervals} with as many partitions as the
     * submissions topic, when missing, finds retry topics left by an earlier schedule (still read,
     * so nothing waiting there is stranded), and reads the outbound topic's
     * {@code max.message.bytes} into {@code outboundLimit}.
     */
    private void ensureTopics() throws Exception {
        RetrySchedule schedule = RetrySchedule.parse(config.get(OutflowKeys.ROUTER_RETRY_INTERVALS));
        Map<String, Object> adminProps = RouterClients.admin(b.kafka, "outflow-router-" + routerId + "-admin");
        try (Admin admin = Admin.create(adminProps)) {
            int inputPartitions = partitions(admin, b.topics.submissions());
            outboundLimit = maxMessageBytes(admin, b.topics.outbound());
            int rf = config.get(OutflowKeys.TOPIC_REPLICATION_FACTOR);
            List<TopicSpec> specs = new ArrayList<>(RetryTopics.specs(b.topics.prefix(), schedule, inputPartitions, rf,
                    Topics.maxRecordBytes(config.get(OutflowKeys.MAX_MESSAGE_BYTES))));
            TopicBootstrap.ensure(admin, adminProps, specs, START_TIMEOUT);
            String retryPrefix = RetryTopics.namePrefix(b.topics.prefix());
            Map<String, Integer> retryPartitions = new HashMap<>();
            for (String t : admin.listTopics().names().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                if (t.startsWith(retryPrefix)) retryPartitions.put(t, partitions(admin, t));
            }
            retryTopics = new RetryTopics(b.topics.prefix(), schedule, retryPartitions);
        }
    }

    /** A topic's {@code max.message.bytes}; unlimited when the broker does not say. */
    private static long maxMessageBytes(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            ConfigEntry e = admin.describeConfigs(List.of(resource)).all().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            return e == null || e.value() == null ? Long.MAX_VALUE : Long.parseLong(e.value());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("topic " + topic + " does not exist (create the topics first: outflow topics create)");
            }
            throw e;
        }
    }

    private static int partitions(Admin admin, String topic) throws Exception {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            return d.partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("topic " + topic + " does not exist (create the topics first: outflow topics create)");
            }
            throw e;
        }
    }

    /**
     * Stops: commits what was processed, leaves the group (the next router is not held up until
     * this member's session times out), closes the clients. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (limitRefresher != null) {
            limitRefresher.shutdownNow();
            try {
                limitRefresher.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (limitAdmin != null) limitAdmin.close(java.time.Duration.ofSeconds(1));
        if (suppressions != null) suppressions.close();
        if (streams == null) return;
        if (!streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(STOP_TIMEOUT))) {
            log.warn("Router {} did not stop within {}", routerId, STOP_TIMEOUT);
        }
    }

    /**
     * Test hook: stops as a crash would — the open transaction, with records already sent, is left
     * to the broker; nothing is committed.
     *
     * @return input records in the abandoned transaction
     */
    int haltForTest() throws InterruptedException {
        synchronized (this) {
            closed = true;
        }
        txn.halt();
        try {
            stopped.get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("router did not halt (state " + streams.state() + ")", e);
        }
        if (!txn.isHalted()) throw new IllegalStateException("router stopped before it could halt (state " + streams.state() + ")");
        streams.close(Duration.ofSeconds(30));
        return (int) txn.uncommittedAtHalt();
    }

    /** Id in the state folder and in REJECTED events ({@code worker.id}, else host name + pid). */
    public String routerId() {
        return routerId;
    }

    /** {@code <topic.prefix>router}: the Kafka Streams application id and consumer group of every router. */
    public String groupId() {
        return b.topics.prefix() + "router";
    }

    /** The dedupe store's changelog topic ({@code <topic.prefix>router-dedupe-changelog}, created by Kafka Streams). */
    public String dedupeTopic() {
        return groupId() + "-" + RouterTopology.DEDUPE_STORE + "-changelog";
    }

    /** The retry topics this router reads (those of {@code router.retry_intervals} and any left by an earlier one); empty before {@link #start()}. */
    public java.util.Collection<String> retryTopics() {
        return retryTopics == null ? List.of() : retryTopics.names();
    }

    /** Counts of committed work (zero before start). */
    public RouterCounters counters() {
        return counters;
    }

    /** Partitions of the submissions topic this router processes now (empty before the group assigned any). */
    public Set<TopicPartition> assignment() {
        KafkaStreams s = streams;
        if (s == null || s.state() != KafkaStreams.State.RUNNING) return Set.of();
        Set<TopicPartition> out = new HashSet<>();
        try {
            for (ThreadMetadata t : s.metadataForLocalThreads()) {
                for (TaskMetadata task : t.activeTasks()) {
                    for (TopicPartition tp : task.topicPartitions()) if (tp.topic().equals(b.topics.submissions())) out.add(tp);
                }
            }
        } catch (IllegalStateException e) {
            return Set.of();
        }
        return Set.copyOf(out);
    }

    /** Committed: records of the submissions topic read (warm-up records and retry topics excluded). */
    public long submissions() {
        return counters.submissions();
    }

    /** Committed: submissions queued to the outbound topic. */
    public long accepted() {
        return counters.accepted();
    }

    /** Committed: outbound records written (one per domain or shard part). */
    public long parts() {
        return counters.parts();
    }

    /** Committed: submissions skipped as duplicates within the dedupe window. */
    public long duplicates() {
        return counters.duplicates();
    }

    /** Committed: submissions dead-lettered with a REJECTED event. */
    public long rejected() {
        return counters.rejected();
    }

    /** Committed: times a submission was put on a retry topic after a temporary refusal. */
    public long retried() {
        return counters.retried();
    }

    /** Committed: submissions a queue_outbound plugin took (OK). */
    public long handled() {
        return counters.handled();
    }

    /** Assembles a {@link SubmissionRouter}. Not thread-safe. */
    public static final class Builder {
        private Map<String, Object> kafka;
        private LiveConfig config;
        private Topics topics;
        private CodecFactory codecs = Serdes.singleObject();
        private PluginChain plugins = PluginChain.empty();
        private Clock clock = Clock.systemUTC();
        private String routerId;

        private Builder() {
        }

        /** Bootstrap servers and pass-through client settings (required). */
        public Builder kafka(Map<String, Object> kafkaClientProps) {
            this.kafka = new HashMap<>(kafkaClientProps);
            return this;
        }

        /** The configuration (required): dedupe window, commit interval, size limit, sharding, {@code me}. */
        public Builder config(LiveConfig config) {
            this.config = config;
            return this;
        }

        /** A fixed configuration (required, or {@link #config(LiveConfig)}). */
        public Builder config(Config config) {
            return config(LiveConfig.fixed(config));
        }

        /** Topic names (required). */
        public Builder topics(Topics topics) {
            this.topics = topics;
            return this;
        }

        /** Record codecs (default single-object Avro); Confluent codecs also accept Confluent-framed submissions. */
        public Builder codecs(CodecFactory codecs) {
            this.codecs = codecs;
            return this;
        }

        /** The queue_outbound hook chain (default: none). */
        public Builder plugins(PluginChain plugins) {
            this.plugins = plugins;
            return this;
        }

        /** Time of dedupe entries, queuedAt and events (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Id of this router (default {@code worker.id}, else host name + pid); unique per running router. */
        public Builder routerId(String routerId) {
            this.routerId = routerId;
            return this;
        }

        /** @throws NullPointerException when a required part is missing */
        public SubmissionRouter build() {
            Objects.requireNonNull(kafka, "kafka");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(codecs, "codecs");
            Objects.requireNonNull(plugins, "plugins");
            Objects.requireNonNull(clock, "clock");
            return new SubmissionRouter(this);
        }
    }
}

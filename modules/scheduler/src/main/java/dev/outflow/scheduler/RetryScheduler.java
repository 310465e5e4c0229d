package dev.outflow.scheduler;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.avro.Command;
import dev.outflow.avro.ControlCommand;
import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.control.ControlListener;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.LiveConfig;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.scheduler.internal.Counters;
import dev.outflow.scheduler.internal.RecordRouter;
import dev.outflow.scheduler.internal.SchedulerLoop;
import dev.outflow.stage.Stage;
import dev.outflow.stage.StageTopics;
import dev.outflow.stage.StageTransaction;

/**
 * The retry scheduler: takes the messages of {@code outflow.deferred} (DEFERRED events) and the
 * records of the delay buckets ({@code outflow.delay.<bucket>}, where the worker also parks
 * throttled records, in the first bucket) and republishes each to {@code outflow.outbound} when
 * its {@code notBefore} has come, never before.
 *
 * <ul>
 *   <li><b>Routing:</b> a message with {@code r} ms left waits in the largest bucket not longer
 *       than {@code r} and cascades down; below the smallest bucket it waits in the smallest one
 *       until exactly {@code notBefore} (see {@link DelayBuckets}).</li>
 *   <li><b>Exactly once, restart-safe:</b> records move between topics in Kafka transactions
 *       together with the consumed offsets. Due times come from the record timestamp and
 *       {@code notBefore}, not from memory: after a crash or restart, waiting records are read
 *       again and wait for their own due time.</li>
 *   <li><b>Flush</b> (Haraka's SIGHUP): a FLUSH command on the control topic issued while the
 *       scheduler runs, or {@link #flush()}, makes every record waiting at that moment due now;
 *       it is republished with {@code notBefore} set to now.</li>
 *   <li><b>Scaling:</b> instances share the partitions as one consumer group
 *       ({@code <topic.prefix>scheduler}, cooperative rebalancing).</li>
 *   <li><b>Poison:</b> undecodable records, and deferred events without a message, go to the DLQ
 *       with the reason; the partition keeps moving. Warm-up records are skipped.</li>
 * </ul>
 *
 * <p>The topics must exist (the app creates them at start). Thread-safe: {@link #start()} and
 * {@link #close()} once each; {@link #flush()} and {@link #stats()} from any thread. All Kafka
 * work runs on one thread of its own ({@code outflow-scheduler}).
 *
 * <pre>{@code
 * try (RetryScheduler scheduler = RetryScheduler.fromConfig(config, kafkaClientProps).start()) {
 *     ...
 *     SchedulerStats s = scheduler.stats();
 * }
 * }</pre>
 */
public final class RetryScheduler implements Stage {
    private static final Logger log = LoggerFactory.getLogger(RetryScheduler.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Duration CONTROL_CATCH_UP = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> clientProps;
    private final Topics topics;
    private final DelayBuckets buckets;
    private final CodecFactory codecs;
    private final Clock clock;
    private final SchedulerProps props;
    private final int readAhead;
    private final long readAheadBytes;
    private final Counters counters = new Counters();
    private SchedulerLoop loop;
    private Thread thread;
    private ControlListener control;
    private boolean started;
    private boolean closed;

    private RetryScheduler(Builder b) {
        this.clientProps = Map.copyOf(b.clientProps);
        this.topics = b.topics != null ? b.topics : StageTopics.from(b.config);
        try {
            this.buckets = DelayBuckets.parse(topics.delayBuckets());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(OutflowKeys.SCHEDULER_BUCKETS.name(), e.getMessage());
        }
        this.codecs = b.codecs != null ? b.codecs : Serdes.forConfig(b.config.get(OutflowKeys.SCHEMA_REGISTRY_URL), b.config.get(OutflowKeys.EVENTS_FORMAT));
        this.clock = b.clock;
        this.readAhead = b.config.get(OutflowKeys.SCHEDULER_READ_AHEAD);
        this.readAheadBytes = b.config.get(OutflowKeys.SCHEDULER_READ_AHEAD_BYTES);
        String instance = b.instanceId != null ? b.instanceId : defaultInstanceId(b.config);
        this.props = new SchedulerProps(clientProps, topics.prefix() + "scheduler", instance,
                Topics.maxRecordBytes(b.config.get(OutflowKeys.MAX_MESSAGE_BYTES)));
    }

    /** A builder over Kafka client settings (bootstrap servers and pass-through keys) and the configuration. */
    public static Builder builder(Map<String, Object> clientProps, Config config) {
        return new Builder(clientProps, config);
    }

    /** The scheduler as the app runs it: topics, buckets and codecs from the configuration, system clock. */
    public static RetryScheduler fromConfig(Config config, Map<String, Object> clientProps) {
        return builder(clientProps, config).build();
    }

    /** As {@link #fromConfig(Config, Map)} with the current snapshot (no scheduler key is hot). */
    public static RetryScheduler fromConfig(LiveConfig config, Map<String, Object> clientProps) {
        return fromConfig(config.get(), clientProps);
    }

    /**
     * Initialises the transactional producer, starts following the control topic, joins the
     * consumer group and starts releasing. Returns once the thread runs; partitions are assigned
     * shortly after.
     *
     * @throws KafkaException        when the broker cannot be reached or refuses the transactional id
     * @throws IllegalStateException when called twice, or when a topic it reads or writes is missing
     */
    @Override
    public synchronized RetryScheduler start() {
        if (started) {
            throw new IllegalStateException("the scheduler was already started");
        }
        started = true;
        requireTopics();
        Map<String, Object> producerProps = props.producer();
        StageTransaction<ProducerRecord<byte[], byte[]>> mover = new StageTransaction<>(
                () -> new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer()),
                Duration.ZERO, List::of, this::refused);
        mover.init();
        mover.prefetch(outputTopics());
        KafkaConsumer<byte[], byte[]> consumer = null;
        try {
            consumer = new KafkaConsumer<>(props.consumer(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            RecordRouter router = new RecordRouter(topics, buckets, codecs.outboundMessage(), codecs.deliveryEvent());
            loop = new SchedulerLoop(consumer, mover, router, clock, counters, topics.deferred(), topics.delayTopics(),
                    buckets, readAhead, readAheadBytes);
            control = new ControlListener(clientProps, topics.control(), codecs.controlCommand(), this::onControl)
                    .start(CONTROL_CATCH_UP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(mover, consumer);
            throw new IllegalStateException("interrupted while starting the scheduler", e);
        } catch (RuntimeException e) {
            closeQuietly(mover, consumer);
            throw e;
        }
        thread = Thread.ofPlatform().name("outflow-scheduler").unstarted(loop);
        thread.start();
        log.info("Retry scheduler {} started: buckets {}, group {}", props.instanceId(), buckets.names(), props.groupId());
        return this;
    }

    private void onControl(ControlCommand command, boolean replayed) {
        if (command.getCommand() == Command.FLUSH && !replayed) {
            log.info("Flush requested by {}", command.getIssuedBy());
            flush();
        }
    }

    /**
     * Makes every record waiting now due (Haraka's SIGHUP): they are republished to the outbound
     * topic within a few hundred milliseconds, with {@code notBefore} set to the time of release.
     * Records that arrive after this call wait as usual. Does nothing before {@link #start()}.
     */
    public void flush() {
        SchedulerLoop l = loop;
        if (l != null) {
            l.flush(clock.millis());
        }
    }

    /** Counters since start. */
    public SchedulerStats stats() {
        SchedulerLoop l = loop;
        return counters.snapshot(l == null ? 0 : l.waiting());
    }

    /** True while this instance owns partitions of the deferred topic or the buckets. */
    @Override
    public boolean isReady() {
        return assignedPartitions() > 0;
    }

    /** True from {@link #start()} until {@link #close()} or a fatal error (see {@link #failure()}). */
    @Override
    public boolean isRunning() {
        SchedulerLoop l = loop;
        return l != null && l.running();
    }

    /** Partitions (of the deferred topic and the buckets) this instance owns now. */
    public int assignedPartitions() {
        SchedulerLoop l = loop;
        return l == null ? 0 : l.assignedPartitions();
    }

    /** Why the scheduler stopped on its own (a fatal error), if it did. */
    @Override
    public Optional<Throwable> failure() {
        SchedulerLoop l = loop;
        return Optional.ofNullable(l == null ? null : l.failure());
    }

    /** The bucket topics and their delays this scheduler works with. */
    public DelayBuckets buckets() {
        return buckets;
    }

    /**
     * Stops releasing, commits nothing more, leaves the consumer group and closes the clients.
     * Records still waiting stay in their topics and are picked up by the next owner. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (loop != null) {
            loop.stop();
        }
        if (thread != null) {
            try {
                if (!thread.join(STOP_TIMEOUT)) {
                    log.warn("Scheduler thread did not stop within {}", STOP_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (control != null) {
            control.close();
        }
    }

    /** Fails fast, naming them, when topics are missing (they are never auto-created). */
    private void requireTopics() {
        List<String> needed = new ArrayList<>(outputTopics());
        needed.add(topics.deferred());
        needed.add(topics.control());
        try (Admin admin = Admin.create(clientProps)) {
            Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<String> missing = needed.stream().filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalStateException("the scheduler's topics " + missing
                        + " do not exist; create them first ('outflow topics create')");
            }
        } catch (ExecutionException e) {
            throw new KafkaException("cannot list topics: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("cannot list topics within " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking topics", e);
        }
    }

    private List<String> outputTopics() {
        List<String> out = new ArrayList<>(topics.delayTopics());
        out.add(topics.outbound());
        out.add(topics.dlq());
        return out;
    }

    /**
     * What replaces a released record the broker refuses for good: a DLQ copy naming its
     * destination, or nothing when the DLQ copy was refused too (logged by the transaction).
     */
    private List<ProducerRecord<byte[], byte[]>> refused(ProducerRecord<byte[], byte[]> r, List<ProducerRecord<byte[], byte[]>> refused,
                                                         Exception why) {
        if (refused.getFirst().topic().equals(topics.dlq())) {
            return List.of();
        }
        return List.of(DlqRecords.of(topics.dlq(), r.topic(), r.partition() == null ? -1 : r.partition(), -1,
                r.key(), r.value(), r.headers(), "the broker refused the released record: " + why));
    }

    private static void closeQuietly(StageTransaction<?> mover, KafkaConsumer<byte[], byte[]> consumer) {
        mover.close();
        if (consumer != null) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    /** {@link Config#processId()}, numbered: tests run several schedulers in one JVM. */
    private static String defaultInstanceId(Config config) {
        return config.processId() + "-" + INSTANCES.incrementAndGet();
    }

    /** Builds a {@link RetryScheduler}; every setting but the client properties and config is optional. */
    public static final class Builder {
        private final Map<String, Object> clientProps;
        private final Config config;
        private Topics topics;
        private CodecFactory codecs;
        private Clock clock = Clock.systemUTC();
        private String instanceId;

        private Builder(Map<String, Object> clientProps, Config config) {
            this.clientProps = new HashMap<>(Objects.requireNonNull(clientProps, "clientProps"));
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Topic names and buckets (bucket names are durations); default from {@code topic.prefix} and {@code scheduler.buckets}. */
        public Builder topics(Topics topics) {
            this.topics = Objects.requireNonNull(topics);
            return this;
        }

        /** Record codecs; default from {@code schema.registry.url}. */
        public Builder codecs(CodecFactory codecs) {
            this.codecs = Objects.requireNonNull(codecs);
            return this;
        }

        /** Source of "now" for due times and lateness; default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * Names this instance in its client ids and transactional id
         * ({@code <prefix>scheduler-<instanceId>}); default {@code worker.id} (else host and pid)
         * plus a per-process sequence number. A restarted process that keeps the id aborts the
         * transaction its predecessor left open at once instead of after the transaction timeout.
         */
        public Builder instanceId(String instanceId) {
            this.instanceId = Objects.requireNonNull(instanceId);
            return this;
        }

        /** @throws ConfigException when the buckets are not ascending positive durations */
        public RetryScheduler build() {
            return new RetryScheduler(this);
        }
    }
}

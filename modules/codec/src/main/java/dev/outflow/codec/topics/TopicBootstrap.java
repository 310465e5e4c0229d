package dev.outflow.codec.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Outflow's topics with the admin client (never by auto-creation) and makes them ready for
 * traffic:
 * <ol>
 *   <li>creates every missing topic of the specs; existing topics are left as they are (a
 *       different partition count is logged, not changed);</li>
 *   <li>waits until each new partition has a leader, then writes one {@link Warmup} record to each
 *       new partition and waits for its ack (KAFKA-15591: an idempotent producer can lose records
 *       sent right after a topic is created);</li>
 *   <li>deletes the warm-up records again ({@code Admin.deleteRecords} up to the offset after
 *       each), so consumers never see them: topics are an API and hold only real records. The
 *       partition stays warmed (its log start offset has moved); a compacted topic therefore
 *       needs {@code cleanup.policy=compact,delete} (see {@link Topics#specs}).</li>
 *   <li>commits an offset for a throwaway consumer group (then deletes the group) so
 *       {@code __consumer_offsets} exists before the first real commit.</li>
 * </ol>
 * Idempotent and safe to run from several processes at once. Blocking; thread-safe (no state).
 * Failures throw {@link TopicBootstrapException}.
 *
 * <pre>{@code
 * List<String> created = TopicBootstrap.ensure(admin, producerProps,
 *         Topics.defaults().specs(12, 6, -1, 10 * 1024 * 1024));
 * }</pre>
 */
public final class TopicBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(TopicBootstrap.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final String WARMUP_GROUP_PREFIX = "outflow.bootstrap.";

    private TopicBootstrap() {
    }

    /** {@link #ensure(Admin, Map, List, Duration)} with a 60 s timeout. */
    public static List<String> ensure(Admin admin, Map<String, Object> producerProps, List<TopicSpec> specs) {
        return ensure(admin, producerProps, specs, DEFAULT_TIMEOUT);
    }

    /**
     * Creates and warms the missing topics of {@code specs}.
     *
     * @param producerProps connection settings for the warm-up producer (bootstrap servers,
     *                      security); serializers, acks, idempotence and transactions are overridden
     * @return names of the topics this call created, in spec order (empty when all existed)
     */
    public static List<String> ensure(Admin admin, Map<String, Object> producerProps, List<TopicSpec> specs,
                                      Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Set<String> existing = admin.listTopics().names().get(remaining(deadline), TimeUnit.MILLISECONDS);
            List<TopicSpec> missing = specs.stream().filter(s -> !existing.contains(s.name())).toList();
            warnOnPartitionMismatch(admin, specs, existing, deadline);
            long start = System.nanoTime();
            List<TopicSpec> created = create(admin, missing, deadline);
            if (!created.isEmpty()) {
                long createdAt = System.nanoTime();
                Map<String, Integer> partitions = awaitLeaders(admin, created, deadline);
                long ledAt = System.nanoTime();
                Map<TopicPartition, Long> warmups = warm(producerProps, partitions, deadline);
                hideWarmups(admin, warmups, deadline);
                LOG.info("Created and warmed topics {} (create {} ms, leaders {} ms, warm-up {} ms)",
                        created.stream().map(TopicSpec::name).toList(), millis(createdAt - start),
                        millis(ledAt - createdAt), millis(System.nanoTime() - ledAt));
            }
            long offsetsAt = System.nanoTime();
            warmOffsetsTopic(admin, specs, deadline);
            LOG.debug("__consumer_offsets warm-up took {} ms", millis(System.nanoTime() - offsetsAt));
            return created.stream().map(TopicSpec::name).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicBootstrapException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new TopicBootstrapException("cannot bootstrap topics: " + cause, cause);
        }
    }

    private static List<TopicSpec> create(Admin admin, List<TopicSpec> missing, long deadline)
            throws InterruptedException, TimeoutException {
        if (missing.isEmpty()) {
            return List.of();
        }
        List<NewTopic> newTopics = missing.stream().map(TopicBootstrap::newTopic).toList();
        var futures = admin.createTopics(newTopics).values();
        List<TopicSpec> created = new ArrayList<>();
        for (TopicSpec spec : missing) {
            try {
                futures.get(spec.name()).get(remaining(deadline), TimeUnit.MILLISECONDS);
                created.add(spec);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new TopicBootstrapException("cannot create topic " + spec.name() + ": " + e.getCause().getMessage(), e.getCause());
                }
                // Another process created it a moment ago; that process warms it.
            }
        }
        return created;
    }

    private static NewTopic newTopic(TopicSpec spec) {
        Optional<Short> rf = spec.replicationFactor() == -1 ? Optional.empty() : Optional.of((short) spec.replicationFactor());
        return new NewTopic(spec.name(), Optional.of(spec.partitions()), rf).configs(spec.configs());
    }

    /** Partition counts of the created topics once every partition has a leader. */
    private static Map<String, Integer> awaitLeaders(Admin admin, List<TopicSpec> created, long deadline)
            throws InterruptedException, TimeoutException {
        List<String> names = created.stream().map(TopicSpec::name).toList();
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames()
                        .get(remaining(deadline), TimeUnit.MILLISECONDS);
                boolean ready = d.values().stream().flatMap(t -> t.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                if (ready && d.size() == names.size()) {
                    Map<String, Integer> partitions = new HashMap<>();
                    d.forEach((name, t) -> partitions.put(name, t.partitions().size()));
                    return partitions;
                }
            } catch (ExecutionException e) {
                // Metadata not yet propagated (UnknownTopicOrPartition): ask again.
                LOG.debug("Topics {} not described yet: {}", names, e.getCause().toString());
            }
            remaining(deadline);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** Writes the warm-up records and returns the offset each got. */
    private static Map<TopicPartition, Long> warm(Map<String, Object> producerProps, Map<String, Integer> partitions,
                                                  long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> props = new HashMap<>(producerProps);
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Plain (non-idempotent) sends, one in flight, each acked: the KAFKA-15591 work-around.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // Each new topic costs the producer one metadata fetch, spaced by retry.backoff.ms (100 ms).
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "outflow-topic-warmup");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            partitions.forEach((topic, count) -> {
                for (int p = 0; p < count; p++) {
                    acks.add(producer.send(Warmup.record(topic, p)));
                }
            });
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (Future<RecordMetadata> ack : acks) {
                RecordMetadata m = ack.get(remaining(deadline), TimeUnit.MILLISECONDS);
                offsets.merge(new TopicPartition(m.topic(), m.partition()), m.offset(), Math::max);
            }
            return offsets;
        }
    }

    /**
     * Moves each warmed partition's log start past its warm-up record. Failure is logged, not
     * thrown: the topics are usable, and every Outflow consumer still skips warm-up records.
     */
    private static void hideWarmups(Admin admin, Map<TopicPartition, Long> warmups, long deadline)
            throws InterruptedException {
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        warmups.forEach((tp, offset) -> delete.put(tp, RecordsToDelete.beforeOffset(offset + 1)));
        var futures = admin.deleteRecords(delete).lowWatermarks();
        for (var e : futures.entrySet()) {
            try {
                e.getValue().get(remaining(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException ex) {
                LOG.warn("Could not delete the warm-up record of {}: {}", e.getKey(),
                        ex instanceof ExecutionException ? ex.getCause().toString() : ex.toString());
            }
        }
    }

    /**
     * Makes the broker create {@code __transaction_state} now (an {@code initTransactions} under a
     * throwaway transactional id), so the first transactional producer does not wait 1–2 s for the
     * transaction coordinator. Call once at start-up where transactions are used.
     *
     * @throws TopicBootstrapException when the broker does not answer within {@code timeout}
     */
    public static void warmTransactionState(Map<String, Object> producerProps, Duration timeout) {
        Map<String, Object> props = new HashMap<>(producerProps);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, WARMUP_GROUP_PREFIX + java.util.UUID.randomUUID());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "outflow-transaction-warmup");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
        } catch (RuntimeException e) {
            throw new TopicBootstrapException("cannot initialise transactions: " + e, e);
        }
    }

    /** Makes the broker create {@code __consumer_offsets} now rather than on the first real commit. */
    private static void warmOffsetsTopic(Admin admin, List<TopicSpec> specs, long deadline) throws InterruptedException {
        if (specs.isEmpty()) {
            return;
        }
        String group = WARMUP_GROUP_PREFIX + java.util.UUID.randomUUID();
        TopicPartition tp = new TopicPartition(specs.get(0).name(), 0);
        try {
            admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(0)))
                    .all().get(remaining(deadline), TimeUnit.MILLISECONDS);
            admin.deleteConsumerGroups(List.of(group)).all().get(remaining(deadline), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Not fatal: the first real commit then just takes longer.
            LOG.warn("Could not pre-create __consumer_offsets: {}", e instanceof ExecutionException ? e.getCause() : e);
        }
    }

    private static void warnOnPartitionMismatch(Admin admin, List<TopicSpec> specs, Set<String> existing, long deadline)
            throws InterruptedException {
        Set<String> present = new LinkedHashSet<>();
        specs.stream().map(TopicSpec::name).filter(existing::contains).forEach(present::add);
        if (present.isEmpty()) {
            return;
        }
        try {
            Map<String, TopicDescription> d = admin.describeTopics(present).allTopicNames()
                    .get(remaining(deadline), TimeUnit.MILLISECONDS);
            for (TopicSpec s : specs) {
                TopicDescription t = d.get(s.name());
                if (t != null && t.partitions().size() != s.partitions()) {
                    LOG.warn("Topic {} has {} partitions, configuration asks for {}; left unchanged",
                            s.name(), t.partitions().size(), s.partitions());
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Could not describe existing topics: {}", e.toString());
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long remaining(long deadline) throws TimeoutException {
        long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (ms <= 0) {
            throw new TimeoutException("topic bootstrap timed out");
        }
        return ms;
    }
}

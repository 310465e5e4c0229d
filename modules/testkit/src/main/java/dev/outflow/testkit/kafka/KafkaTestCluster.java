package dev.outflow.testkit.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;

import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;

/**
 * The Kafka cluster tests run against: one per JVM, chosen once by {@link #get()}.
 * <ol>
 *   <li>{@code KAFKA_BOOTSTRAP_SERVERS} (system property or environment variable) set: that cluster;</li>
 *   <li>else Docker available: a Testcontainers {@code apache/kafka-native} broker;</li>
 *   <li>else: an {@link dev.outflow.broker.EmbeddedBroker} in a temp dir on random ports, fsync off.</li>
 * </ol>
 * {@code OUTFLOW_TEST_KAFKA=embedded|container} skips the Docker probe and forces that choice;
 * {@code OUTFLOW_TEST_KAFKA_IMAGE} overrides the container image. A shutdown hook stops the
 * broker. Tests share the cluster, so they name their topics and groups with
 * {@link #uniqueName(String)}.
 *
 * <pre>{@code
 * KafkaTestCluster kafka = KafkaTestCluster.get();
 * String topic = kafka.createTopic("events", 3);
 * try (var producer = new KafkaProducer<>(kafka.producerProps())) { ... }
 * List<ConsumerRecord<byte[], byte[]>> records = kafka.awaitRecords(topic, 10, Duration.ofSeconds(30));
 * }</pre>
 *
 * Thread-safe. Failures to start the cluster are thrown from every {@link #get()} call as an
 * {@link IllegalStateException} carrying the first cause.
 */
public final class KafkaTestCluster {
    /** Names an existing cluster (system property or environment variable). */
    public static final String BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
    /** {@code embedded} or {@code container}: skips the Docker probe (system property or environment). */
    public static final String MODE = "OUTFLOW_TEST_KAFKA";
    /** Container image for the Docker choice (default {@code apache/kafka-native:4.1.1}); any apache/kafka(-native) tag. */
    public static final String IMAGE = "OUTFLOW_TEST_KAFKA_IMAGE";

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static KafkaTestCluster instance;
    private static RuntimeException startFailure;

    private final ClusterBackend backend;
    private final SharedAdmin admin;

    private KafkaTestCluster(ClusterBackend backend) {
        this.backend = backend;
        Map<String, Object> adminProps = new HashMap<>();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, backend.bootstrapServers());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-testkit-admin");
        this.admin = new SharedAdmin(adminProps);
    }

    /** The JVM-wide test cluster, started on first use (a few seconds). */
    public static synchronized KafkaTestCluster get() {
        if (instance != null) {
            return instance;
        }
        if (startFailure != null) {
            throw new IllegalStateException("the Kafka test cluster failed to start earlier", startFailure);
        }
        try {
            KafkaTestCluster c = new KafkaTestCluster(ClusterBackend.select());
            Runtime.getRuntime().addShutdownHook(new Thread(c::shutdown, "kafka-test-cluster-shutdown"));
            instance = c;
            return c;
        } catch (RuntimeException e) {
            startFailure = e;
            throw new IllegalStateException("the Kafka test cluster failed to start: " + e.getMessage(), e);
        }
    }

    private void shutdown() {
        try {
            admin.closeForReal();
        } finally {
            backend.close();
        }
    }

    /** {@code host:port[,host:port]} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return backend.bootstrapServers();
    }

    /** {@code external}, {@code container} or {@code embedded}. */
    public String kind() {
        return backend.kind();
    }

    /**
     * A name no other test in this JVM (or an earlier run on an external cluster) uses:
     * {@code prefix-<n>-<random>}, restricted to characters legal in topic names.
     */
    public String uniqueName(String prefix) {
        String clean = prefix.replaceAll("[^a-zA-Z0-9._-]", "-");
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
        return clean + "-" + SEQUENCE.incrementAndGet() + "-" + suffix.substring(0, Math.min(6, suffix.length()));
    }

    /** Creates a topic with a unique name from {@code prefix} and returns the name. */
    public String createTopic(String prefix, int partitions) {
        String name = uniqueName(prefix);
        createTopics(partitions, name);
        return name;
    }

    /** Creates topics (existing ones are fine) with the broker's replication factor, then waits for their leaders. */
    public void createTopics(int partitions, String... names) {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(new NewTopic(n, partitions, (short) -1));
        }
        createTopics(topics);
    }

    /**
     * Creates topics (existing ones are fine) and waits until every partition has a leader, so a
     * producer's first send does not race the topic's creation.
     */
    public void createTopics(Collection<NewTopic> topics) {
        try {
            admin.createTopics(topics).values().forEach((name, f) -> {
                try {
                    f.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException | TimeoutException e) {
                    throw new IllegalStateException("cannot create topic " + name + ": " + e, e);
                }
            });
            awaitLeaders(topics.stream().map(NewTopic::name).collect(Collectors.toSet()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    private void awaitLeaders(Set<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                boolean ready = d.values().stream().flatMap(t -> t.partitions().stream())
                        .map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty());
                if (ready) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + names + " have no leaders: " + e, e);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + names + " have no leaders after " + ADMIN_TIMEOUT);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /**
     * Creates a complete, warmed set of Outflow topics under a fresh prefix (so tests do not see
     * each other's records): outbound with 4 partitions, the others with 2, default delay buckets.
     */
    public Topics createOutflowTopics() {
        return createOutflowTopics(new Topics(uniqueName("t") + ".", Topics.DEFAULT_DELAY_BUCKETS), 4, 2);
    }

    /**
     * Creates (idempotently) and warms {@code topics} with {@link TopicBootstrap}, sized for
     * 10 MiB messages, and returns them.
     */
    public Topics createOutflowTopics(Topics topics, int outboundPartitions, int partitions) {
        TopicBootstrap.ensure(admin, producerProps(), topics.specs(outboundPartitions, partitions, -1, 10L * 1024 * 1024),
                ADMIN_TIMEOUT);
        return topics;
    }

    /**
     * The cluster's shared admin client. Closing it does nothing (it lives as long as the JVM), so
     * try-with-resources is safe.
     */
    public Admin adminClient() {
        return admin;
    }

    /**
     * Fresh, mutable producer settings: bootstrap, {@code acks=all}, idempotence, no linger,
     * byte-array serializers (replace them or pass serializer instances).
     */
    public Map<String, Object> producerProps() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /**
     * Fresh, mutable consumer settings for {@code group}: earliest offsets, no auto-commit,
     * {@code read_committed}, short session timeout (a test consumer that dies does not stall the
     * group for long), byte-array deserializers.
     */
    public Map<String, Object> consumerProps(String group) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, "outflow-test-" + (group == null ? "reader" : group).toLowerCase(Locale.ROOT));
        return p;
    }

    /** A reader of every partition of {@code topic} from the beginning, with byte-array records. */
    public TopicReader<byte[], byte[]> reader(String topic) {
        return new TopicReader<>(consumerProps(null), topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A reader of every partition of {@code topic} from the beginning. */
    public <K, V> TopicReader<K, V> reader(String topic, Deserializer<K> keys, Deserializer<V> values) {
        return new TopicReader<>(consumerProps(null), topic, keys, values);
    }

    /** Every record currently on {@code topic} (warm-up records excluded), in partition then offset order. */
    public List<ConsumerRecord<byte[], byte[]>> drain(String topic, Duration timeout) {
        try (TopicReader<byte[], byte[]> r = reader(topic)) {
            return r.drain(timeout);
        }
    }

    /** Every record currently on {@code topic} (warm-up records excluded), deserialized. */
    public <K, V> List<ConsumerRecord<K, V>> drain(String topic, Deserializer<K> keys, Deserializer<V> values,
                                                   Duration timeout) {
        try (TopicReader<K, V> r = reader(topic, keys, values)) {
            return r.drain(timeout);
        }
    }

    /**
     * Waits until {@code topic} holds at least {@code count} records (warm-up excluded) and returns
     * all of them read so far.
     *
     * @throws AssertionError when fewer arrive within {@code timeout}
     */
    public List<ConsumerRecord<byte[], byte[]>> awaitRecords(String topic, int count, Duration timeout) {
        try (TopicReader<byte[], byte[]> r = reader(topic)) {
            return r.awaitCount(count, timeout);
        }
    }
}

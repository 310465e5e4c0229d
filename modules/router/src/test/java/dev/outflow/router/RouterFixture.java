package dev.outflow.router;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Submission;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import dev.outflow.testkit.kafka.TopicReader;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One router scenario on the shared test broker: its own topic prefix, all Outflow topics created
 * (3 partitions each), a producer for submissions and readers for the outputs. Closes the routers
 * it started.
 */
final class RouterFixture implements AutoCloseable {
    static final byte[] MESSAGE = "From: sender@src.test\r\nSubject: hello\r\n\r\nbody\r\n".getBytes(UTF_8);

    final KafkaTestCluster kafka = KafkaTestCluster.get();
    final Topics topics;
    final Config config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<SubmissionRouter> routers = new ArrayList<>();

    RouterFixture(Map<String, String> settings) {
        String prefix = kafka.uniqueName("router") + ".";
        Map<String, String> s = new HashMap<>();
        s.put("me", "router.test");
        s.put("topic.prefix", prefix);
        s.put("router.commit_interval", "50ms");
        s.put("router.state_dir", stateDir().toString());
        s.putAll(settings);
        this.config = Config.of(s);
        this.topics = new Topics(prefix, List.of("10s"));
        TopicBootstrap.ensure(kafka.adminClient(), kafka.producerProps(),
                topics.specs(3, 3, -1, config.get(OutflowKeys.MAX_MESSAGE_BYTES)));
        Map<String, Object> p = kafka.producerProps();
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    RouterFixture() {
        this(Map.of());
    }

    /** A fresh folder for the routers' Kafka Streams state, removed by the JVM's temp cleanup at exit. */
    private static java.nio.file.Path stateDir() {
        try {
            java.nio.file.Path d = java.nio.file.Files.createTempDirectory("outflow-router-state");
            d.toFile().deleteOnExit();
            return d;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    SubmissionRouter start(String routerId, PluginChain plugins, Clock clock) {
        SubmissionRouter r = builder(routerId, plugins, clock).build().start();
        routers.add(r);
        return r;
    }

    SubmissionRouter start(SubmissionRouter.Builder builder) {
        SubmissionRouter r = builder.build().start();
        routers.add(r);
        return r;
    }

    SubmissionRouter start(String routerId) {
        return start(routerId, PluginChain.empty(), Clock.systemUTC());
    }

    SubmissionRouter.Builder builder(String routerId, PluginChain plugins, Clock clock) {
        return builder(routerId, plugins, clock, Map.of());
    }

    /** @param clientProps pass-through settings for the router's Kafka clients */
    SubmissionRouter.Builder builder(String routerId, PluginChain plugins, Clock clock, Map<String, Object> clientProps) {
        Map<String, Object> k = new HashMap<>(clientProps);
        k.put("bootstrap.servers", kafka.bootstrapServers());
        return SubmissionRouter.builder()
                .kafka(k)
                .config(config)
                .topics(topics)
                .codecs(Serdes.singleObject())
                .plugins(plugins)
                .clock(clock)
                .routerId(routerId);
    }

    /** Sends a record to the submissions topic (partition 0 when {@code ordered}) and waits for the ack. */
    void send(String key, byte[] value, boolean ordered) {
        sendTo(ordered ? 0 : null, key, value);
    }

    /** Sends a record to a partition of the submissions topic (null: the producer's choice) and waits for the ack. */
    void sendTo(Integer partition, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topics.submissions(), partition,
                    key == null ? null : key.getBytes(UTF_8), value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot produce a submission", e);
        }
    }

    void send(String key, byte[] value) {
        send(key, value, false);
    }

    /** Sends without waiting; call {@link #flush()} after a burst. */
    void sendAsync(String key, byte[] value) {
        producer.send(new ProducerRecord<>(topics.submissions(), key == null ? null : key.getBytes(UTF_8), value));
    }

    void flush() {
        producer.flush();
    }

    static byte[] avro(String id, String from, List<String> recipients, byte[] contents, Map<String, String> notes) {
        return Serdes.submission().serialize("any", new Submission(id, from, recipients, ByteBuffer.wrap(contents), notes));
    }

    static byte[] avro(String id, List<String> recipients) {
        return avro(id, "sender@src.test", recipients, MESSAGE, Map.of());
    }

    static byte[] json(String json) {
        return json.getBytes(UTF_8);
    }

    TopicReader<String, OutboundMessage> outboundReader() {
        return kafka.reader(topics.outbound(), new StringDeserializer(), Serdes.outboundMessage());
    }

    TopicReader<String, DeliveryEvent> bouncedReader() {
        return kafka.reader(topics.bounced(), new StringDeserializer(), Serdes.deliveryEvent());
    }

    /** Every committed outbound record, once no transaction on the topic is open. */
    List<ConsumerRecord<String, OutboundMessage>> outbound() {
        awaitSettled(topics.outbound());
        return kafka.drain(topics.outbound(), new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30));
    }

    List<ConsumerRecord<String, DeliveryEvent>> bounced() {
        awaitSettled(topics.bounced());
        return kafka.drain(topics.bounced(), new StringDeserializer(), Serdes.deliveryEvent(), Duration.ofSeconds(30));
    }

    List<ConsumerRecord<byte[], byte[]>> dlq() {
        return raw(topics.dlq());
    }

    /** Every committed record of any topic (e.g. a retry topic), warm-up records excluded, as bytes. */
    List<ConsumerRecord<byte[], byte[]>> raw(String topic) {
        awaitSettled(topic);
        return kafka.drain(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Duration.ofSeconds(30));
    }

    /**
     * Waits until every partition's last stable offset equals its high watermark: the commit
     * markers of committed transactions are written (a commit returns before they are) and no
     * transaction is open, so a read_committed drain sees everything committed.
     */
    void awaitSettled(String topic) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> endOffsets(topic, IsolationLevel.READ_COMMITTED).equals(endOffsets(topic, IsolationLevel.READ_UNCOMMITTED)));
    }

    private Map<TopicPartition, Long> endOffsets(String topic, IsolationLevel isolation) throws Exception {
        Admin admin = kafka.adminClient();
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get(30, TimeUnit.SECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    @Override
    public void close() {
        for (SubmissionRouter r : routers) r.close();
        producer.close(Duration.ofSeconds(5));
    }
}

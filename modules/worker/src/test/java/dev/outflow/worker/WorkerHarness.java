package dev.outflow.worker;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Source;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.LiveConfig;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One test's Outflow topics under a unique prefix (so tests never see each other's records), its
 * configuration, a fake DNS, and helpers to submit messages, start workers and read what they
 * published. Close it to stop the workers it started.
 */
final class WorkerHarness implements AutoCloseable {
    static final KafkaTestCluster KAFKA = KafkaTestCluster.get();
    static final String SENDER = "sender@sender.test";

    final String prefix;
    final Topics topics;
    final LiveConfig config;
    final StaticMx mx = new StaticMx();
    private final List<DeliveryWorker> workers = new ArrayList<>();
    private final KafkaProducer<byte[], byte[]> producer;

    /** @param settings extra config as key, value, key, value... */
    WorkerHarness(int outboundPartitions, String... settings) {
        this.prefix = KAFKA.uniqueName("wk") + ".";
        this.topics = new Topics(prefix, List.of("10s", "1m"));
        Map<String, String> m = new HashMap<>();
        m.put("me", "outflow.test");
        m.put("topic.prefix", prefix);
        m.put("scheduler.buckets", "10s,1m");
        m.put("outbound.connect_timeout", "2s");
        m.put("outbound.command_timeout", "10s");
        m.put("outbound.data_timeout", "10s");
        m.put("outbound.pool_idle", "2s");
        m.put("worker.shutdown_timeout", "10s");
        m.put("outbound.allow_private", "true"); // the fake MXs listen on 127.0.0.x
        for (int i = 0; i < settings.length; i += 2) m.put(settings[i], settings[i + 1]);
        this.config = LiveConfig.fixed(Config.of(m));
        TopicBootstrap.ensure(KAFKA.adminClient(), KAFKA.producerProps(), topics.specs(outboundPartitions, 1, -1, 10 << 20));
        this.producer = new KafkaProducer<>(KAFKA.producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Client settings of workers: the test broker, quick failure detection. */
    Map<String, Object> kafkaProps() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", KAFKA.bootstrapServers());
        p.put("session.timeout.ms", 6000);
        p.put("heartbeat.interval.ms", 500);
        return p;
    }

    DeliveryWorker startWorker(String id) {
        return startWorker(id, b -> b);
    }

    DeliveryWorker startWorker(String id, UnaryOperator<DeliveryWorker.Builder> customize) {
        DeliveryWorker w = customize.apply(DeliveryWorker.configure(config, kafkaProps(), mx).workerId(id)).build();
        workers.add(w);
        return w.start();
    }

    static OutboundMessage message(String... recipients) {
        String rcpt = recipients[0];
        String domain = rcpt.substring(rcpt.indexOf('@') + 1);
        String id = UUID.randomUUID().toString();
        byte[] body = ("From: " + SENDER + "\r\nTo: " + rcpt + "\r\nSubject: test " + id + "\r\nMessage-ID: <" + id
                + "@outflow.test>\r\n\r\nHello.\r\n").getBytes(StandardCharsets.UTF_8);
        return OutboundMessage.newBuilder().setId(id).setMailFrom(SENDER).setRecipients(List.of(recipients)).setDomain(domain)
                .setContents(ByteBuffer.wrap(body)).setQueuedAt(System.currentTimeMillis())
                .setSource(new Source("api", null)).build();
    }

    /** Queues a message on outbound, keyed by its domain, and waits for the ack. */
    OutboundMessage submit(OutboundMessage m) {
        send(m.getDomain(), Serdes.outboundMessage().serialize(topics.outbound(), m));
        return m;
    }

    void send(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topics.outbound(), key.getBytes(StandardCharsets.UTF_8), value))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends to one partition (no wait per record; flushed at the end). */
    void sendAll(int partition, List<OutboundMessage> messages) {
        for (OutboundMessage m : messages) {
            producer.send(new ProducerRecord<>(topics.outbound(), partition, m.getDomain().getBytes(StandardCharsets.UTF_8),
                    Serdes.outboundMessage().serialize(topics.outbound(), m)));
        }
        producer.flush();
    }

    /** Every committed event on a topic now. */
    List<DeliveryEvent> events(String topic) {
        return KAFKA.drain(topic, new StringDeserializer(), Serdes.deliveryEvent(), Duration.ofSeconds(30))
                .stream().map(ConsumerRecord::value).toList();
    }

    List<OutboundMessage> messages(String topic) {
        return KAFKA.drain(topic, new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30))
                .stream().map(ConsumerRecord::value).toList();
    }

    /** Records of the group not yet committed on outbound (end offsets minus committed offsets). */
    long lag() throws Exception {
        var admin = KAFKA.adminClient();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(prefix + "worker")
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        var parts = admin.describeTopics(List.of(topics.outbound())).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topics.outbound()).partitions();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (var p : parts) {
            latest.put(new TopicPartition(topics.outbound(), p.partition()), OffsetSpec.latest());
            earliest.put(new TopicPartition(topics.outbound(), p.partition()), OffsetSpec.earliest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> start = admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
        long lag = 0;
        for (var e : end.entrySet()) {
            // A partition that never had a record has no committed offset; its log starts after the
            // deleted warm-up record, which nobody waits for.
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue().offset() - Math.max(start.get(e.getKey()).offset(), c == null ? 0 : c.offset());
        }
        return lag;
    }

    @Override
    public void close() {
        for (DeliveryWorker w : workers) w.close();
        producer.close();
    }
}

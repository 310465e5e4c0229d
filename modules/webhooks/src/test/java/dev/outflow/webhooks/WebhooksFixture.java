package dev.outflow.webhooks;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Outflow topics under a unique prefix on the test broker, a producer of delivery events onto the
 * real event topics, and the webhooks stages started over them (closed with the fixture).
 */
final class WebhooksFixture implements AutoCloseable {
    static final String SECRET = "whsec-test-0123456789";

    final KafkaTestCluster kafka = KafkaTestCluster.get();
    final Topics topics;
    final RecordSerde<DeliveryEvent> serde = Serdes.forConfig(null).deliveryEvent();
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<Webhooks> started = new ArrayList<>();

    WebhooksFixture() {
        topics = new Topics(kafka.uniqueName("hooks") + ".", List.of("10s"));
        TopicBootstrap.ensure(kafka.adminClient(), kafka.producerProps(), topics.specs(1, 3, -1, 1 << 20));
        producer = new KafkaProducer<>(kafka.producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    Config config(Map<String, String> settings) {
        Map<String, String> s = new HashMap<>();
        s.put("topic.prefix", topics.prefix());
        s.put("scheduler.buckets", "10s");
        s.put("webhooks.secret", SECRET);
        s.put("webhooks.backoff_max", "200ms");
        s.putAll(settings);
        return Config.of(s);
    }

    Webhooks start(Map<String, String> settings) {
        Webhooks w = Webhooks.fromConfig(config(settings), Map.of("bootstrap.servers", kafka.bootstrapServers())).start();
        started.add(w);
        return w;
    }

    static DeliveryEvent event(Outcome outcome) {
        String id = UUID.randomUUID().toString();
        return DeliveryEvent.newBuilder().setMessageId(id).setOutcome(outcome)
                .setRecipients(List.of(RecipientStatus.newBuilder().setAddress("rcpt@dest.test")
                        .setCode(outcome == Outcome.DELIVERED ? 250 : 550).setEnhancedCode(outcome == Outcome.DELIVERED ? "2.0.0" : "5.1.1")
                        .setResponse(outcome == Outcome.DELIVERED ? "ok" : "no such user").build()))
                .setDomain("dest.test").setMailFrom("sender@src.test").setHost("mx.dest.test").setIp("127.0.0.1").setPort(25)
                .setTls(true).setDelayMs(12).setAttempt(0).setAt(System.currentTimeMillis()).setReason(outcome.name().toLowerCase())
                .build();
    }

    String topicOf(Outcome o) {
        return switch (o) {
            case DELIVERED -> topics.delivered();
            case DEFERRED -> topics.deferred();
            default -> topics.bounced();
        };
    }

    /** Produces {@code count} events of {@code outcome} (acknowledged) and returns them. */
    List<DeliveryEvent> produce(Outcome outcome, int count) throws Exception {
        List<DeliveryEvent> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            DeliveryEvent e = event(outcome);
            producer.send(new ProducerRecord<>(topicOf(outcome), e.getMessageId().getBytes(), serde.serialize(topicOf(outcome), e))).get();
            out.add(e);
        }
        return out;
    }

    /** The group's committed offsets on the event topics, 0 where none. */
    Map<TopicPartition, Long> committed(String group) throws ExecutionException, InterruptedException {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : eventPartitions()) out.put(tp, 0L);
        Map<TopicPartition, OffsetAndMetadata> c = kafka.adminClient().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        c.forEach((tp, o) -> { if (o != null) out.put(tp, o.offset()); });
        return out;
    }

    /** True when the group committed every event partition that holds records up to its end. */
    boolean caughtUp(String group) throws ExecutionException, InterruptedException {
        Map<TopicPartition, Long> c = committed(group);
        Map<TopicPartition, Long> end = ends();
        return end.entrySet().stream().allMatch(e -> e.getValue() <= 1 || c.get(e.getKey()).equals(e.getValue()));
    }

    /** End offsets of the event topics. */
    Map<TopicPartition, Long> ends() throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (TopicPartition tp : eventPartitions()) q.put(tp, OffsetSpec.latest());
        Map<TopicPartition, Long> out = new HashMap<>();
        kafka.adminClient().listOffsets(q).all().get().forEach((tp, i) -> out.put(tp, i.offset()));
        return out;
    }

    private List<TopicPartition> eventPartitions() {
        List<TopicPartition> out = new ArrayList<>();
        for (String t : List.of(topics.delivered(), topics.deferred(), topics.bounced())) {
            for (int p = 0; p < 3; p++) out.add(new TopicPartition(t, p));
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        for (Webhooks w : started) w.close();
        producer.close();
    }
}

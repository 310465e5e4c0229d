package dev.outflow.scheduler;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.avro.Source;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.codec.topics.Warmup;
import dev.outflow.core.config.Config;
import dev.outflow.testkit.kafka.KafkaTestCluster;

/**
 * One test's private Outflow topics (unique prefix, created and warmed like the app does), a
 * producer for deferred events and bucket records, and schedulers over them. Close it.
 */
final class SchedulerTestBed implements AutoCloseable {
    static final int PARTITIONS = 3;

    final KafkaTestCluster kafka = KafkaTestCluster.get();
    final Topics topics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<RetryScheduler> schedulers = new ArrayList<>();

    SchedulerTestBed(String... buckets) {
        this.topics = new Topics(kafka.uniqueName("sched") + ".", List.of(buckets));
        TopicBootstrap.ensure(kafka.adminClient(), kafka.producerProps(),
                topics.specs(PARTITIONS, PARTITIONS, -1, 1024 * 1024));
        this.producer = new KafkaProducer<>(kafka.producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    Map<String, Object> clientProps() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        return p;
    }

    RetryScheduler scheduler() {
        RetryScheduler s = RetryScheduler.builder(clientProps(), Config.defaults())
                .topics(topics).codecs(Serdes.singleObject()).build();
        schedulers.add(s);
        return s;
    }

    /**
     * Waits until the scheduler owns every partition and has moved past the warm-up records, so
     * timings measure the steady state rather than the first transaction's set-up.
     */
    void awaitReady(RetryScheduler scheduler) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> scheduler.assignedPartitions() == (topics.delayTopics().size() + 1) * PARTITIONS
                        && schedulerCaughtUp());
    }

    static OutboundMessage message(String id, String domain, long notBefore) {
        return OutboundMessage.newBuilder()
                .setId(id)
                .setMailFrom("sender@example.org")
                .setRecipients(List.of("rcpt@" + domain))
                .setDomain(domain)
                .setContents(ByteBuffer.wrap(("Subject: " + id + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8)))
                .setQueuedAt(System.currentTimeMillis())
                .setAttempt(1)
                .setNotBefore(notBefore)
                .setSource(Source.newBuilder().setChannel("api").build())
                .build();
    }

    static DeliveryEvent deferred(OutboundMessage m) {
        return DeliveryEvent.newBuilder()
                .setMessageId(m.getId())
                .setOutcome(Outcome.DEFERRED)
                .setRecipients(List.of(RecipientStatus.newBuilder().setAddress(m.getRecipients().get(0)).setCode(450)
                        .setResponse("try later").build()))
                .setDomain(m.getDomain())
                .setAt(System.currentTimeMillis())
                .setNextAttemptAt(m.getNotBefore())
                .setMessage(m)
                .build();
    }

    /** A DEFERRED event as the worker writes it: keyed by message id. */
    void sendDeferred(OutboundMessage m) {
        send(topics.deferred(), m.getId(), Serdes.deliveryEvent().serialize(topics.deferred(), deferred(m)));
    }

    /** A record as the worker parks it in the first bucket: keyed by routing key. */
    void sendToFirstBucket(String routingKey, OutboundMessage m) {
        String topic = topics.delayTopics().get(0);
        send(topic, routingKey, Serdes.outboundMessage().serialize(topic, m));
    }

    void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("send to " + topic + " failed", e);
        }
    }

    /** Sends without waiting for each ack; {@link #flushProducer()} waits for all. */
    void sendAsync(String topic, byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    void flushProducer() {
        producer.flush();
    }

    /** A reader of a topic that notes when each record arrived (wall clock). */
    Arrivals arrivals(String topic) {
        return new Arrivals(kafka, topic);
    }

    /** True when the scheduler group has consumed everything on the deferred topic and every bucket. */
    boolean schedulerCaughtUp() {
        Admin admin = kafka.adminClient();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(topics.prefix() + "scheduler").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            List<String> consumed = new ArrayList<>(topics.delayTopics());
            consumed.add(topics.deferred());
            for (String t : consumed) {
                for (int p = 0; p < PARTITIONS; p++) {
                    latest.put(new TopicPartition(t, p), OffsetSpec.latest());
                }
            }
            var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                // The last offsets may be transaction markers, which a consumer never reaches.
                long end = e.getValue().offset();
                if (c == null ? end > 1 : end - c.offset() > 1) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        schedulers.forEach(RetryScheduler::close);
        producer.close();
    }

    /** Records of one topic with their arrival time, read from the beginning of every partition. */
    static final class Arrivals implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        final List<Long> arrivedAt = new ArrayList<>();

        Arrivals(KafkaTestCluster kafka, String topic) {
            Map<String, Object> p = kafka.consumerProps(null);
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        /** Polls once; returns the number of records read so far. */
        int poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                if (!Warmup.isWarmup(r)) {
                    records.add(r);
                    arrivedAt.add(System.currentTimeMillis());
                }
            }
            return records.size();
        }

        List<OutboundMessage> messages() {
            return records.stream().map(r -> Serdes.outboundMessage().deserialize(r.topic(), r.value())).toList();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}

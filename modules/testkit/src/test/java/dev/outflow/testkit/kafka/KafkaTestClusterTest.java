package dev.outflow.testkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import dev.outflow.codec.topics.Topics;
import dev.outflow.codec.topics.Warmup;

class KafkaTestClusterTest {
    private final KafkaTestCluster kafka = KafkaTestCluster.get();

    @Test
    void isAJvmWideSingletonOnTheEmbeddedBrokerWhenNoDockerAndNoAddress() {
        assertThat(KafkaTestCluster.get()).isSameAs(kafka);
        // This machine has no Docker daemon and no KAFKA_BOOTSTRAP_SERVERS, unlike CI perhaps.
        String expected = System.getenv(KafkaTestCluster.BOOTSTRAP_SERVERS) != null ? "external"
                : kafka.kind().equals("container") ? "container" : "embedded";
        assertThat(kafka.kind()).isEqualTo(expected);
        assertThat(kafka.bootstrapServers()).contains(":");
    }

    @Test
    void uniqueNamesDifferAndAreLegalTopicNames() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            names.add(kafka.uniqueName("my test/topic"));
        }
        assertThat(names).hasSize(200).allMatch(n -> n.matches("my-test-topic-[0-9]+-[a-z0-9]+"));
    }

    @Test
    void drainReturnsEveryRecordOnTheTopicAndSkipsWarmups() throws Exception {
        String topic = kafka.createTopic("drain", 3);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            for (int p = 0; p < 3; p++) {
                producer.send(Warmup.record(topic, p)).get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, i % 3, bytes("k" + i), bytes("v" + i)));
            }
            producer.flush();
        }
        List<ConsumerRecord<String, String>> records =
                kafka.drain(topic, new StringDeserializer(), new StringDeserializer(), Duration.ofSeconds(30));
        assertThat(records).hasSize(30);
        assertThat(records).extracting(ConsumerRecord::value).contains("v0", "v29");
        assertThat(records).noneMatch(Warmup::isWarmup);
        assertThat(records).isSortedAccordingTo((a, b) -> a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition()) : Long.compare(a.offset(), b.offset()));
    }

    @Test
    void readerDrainsOnlyNewRecordsOnTheSecondCallAndAwaitsCounts() throws Exception {
        String topic = kafka.createTopic("reader", 2);
        try (TopicReader<byte[], byte[]> reader = kafka.reader(topic);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            assertThat(reader.drain(Duration.ofSeconds(10))).isEmpty();
            producer.send(new ProducerRecord<>(topic, 0, bytes("a"), bytes("1"))).get(30, TimeUnit.SECONDS);
            assertThat(reader.drain(Duration.ofSeconds(10))).hasSize(1);
            producer.send(new ProducerRecord<>(topic, 1, bytes("b"), bytes("2"))).get(30, TimeUnit.SECONDS);
            List<ConsumerRecord<byte[], byte[]>> second = reader.drain(Duration.ofSeconds(10));
            assertThat(second).hasSize(1);
            assertThat(new String(second.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("2");
            assertThat(reader.records()).hasSize(2);
            assertThatThrownBy(() -> reader.awaitCount(3, Duration.ofMillis(500)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("read 2");
        }
        assertThat(kafka.awaitRecords(topic, 2, Duration.ofSeconds(10))).hasSize(2);
    }

    @Test
    void drainOfAMissingTopicFailsClearly() {
        assertThatThrownBy(() -> kafka.drain(kafka.uniqueName("missing"), Duration.ofSeconds(2)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not exist");
    }

    @Test
    void sharedAdminSurvivesCloseAndTopicCreationIsIdempotent() throws Exception {
        String topic = kafka.uniqueName("admin");
        try (Admin admin = kafka.adminClient()) {
            kafka.createTopics(2, topic);
            kafka.createTopics(2, topic);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
        }
        assertThat(kafka.adminClient().describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic).partitions()).hasSize(2);
    }

    @Test
    void consumerPropsJoinAGroupAndCommit() throws Exception {
        String topic = kafka.createTopic("group", 1);
        String group = kafka.uniqueName("group");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            producer.send(new ProducerRecord<>(topic, bytes("x"))).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProps(group))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int seen = 0;
            while (seen == 0 && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(200)).count();
            }
            assertThat(seen).isEqualTo(1);
            consumer.commitSync();
        }
        assertThat(kafka.adminClient().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS)).hasSize(1);
    }

    @Test
    void createsAFreshWarmedSetOfOutflowTopicsPerCall() throws Exception {
        Topics first = kafka.createOutflowTopics();
        Topics second = kafka.createOutflowTopics();
        assertThat(first.prefix()).isNotEqualTo(second.prefix());
        Set<String> existing = kafka.adminClient().listTopics().names().get(30, TimeUnit.SECONDS);
        assertThat(existing).containsAll(first.all()).containsAll(second.all());
        // Each partition was warmed (end offset 1); the warm-up record itself is deleted again.
        assertThat(kafka.adminClient().listOffsets(java.util.Map.of(
                        new org.apache.kafka.common.TopicPartition(first.outbound(), 3),
                        org.apache.kafka.clients.admin.OffsetSpec.latest()))
                .all().get(30, TimeUnit.SECONDS).values().iterator().next().offset()).isEqualTo(1);
        assertThat(kafka.drain(first.outbound(), Duration.ofSeconds(10))).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

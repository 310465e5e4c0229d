package dev.outflow.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Every record type through a real broker (zstd), and a poison record surfacing with its bytes. */
class SerdeOverKafkaTest {
    @Test
    void everyRecordTypeRoundTripsThroughTheBroker() throws Exception {
        roundTrip(Serdes.outboundMessage(), Samples.outboundMessage());
        roundTrip(Serdes.deliveryEvent(), Samples.deliveryEvent());
        roundTrip(Serdes.controlCommand(), Samples.controlCommand());
        roundTrip(Serdes.submission(), Samples.submission());
    }

    @Test
    void aPoisonRecordReachesTheConsumerAsADeserializationErrorThatBuildsADlqRecord() throws Exception {
        String topic = newTopic();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(TestKafka.producerProps(), new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, 0, "k", "junk".getBytes())).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, dev.outflow.avro.OutboundMessage> c =
                     new KafkaConsumer<>(TestKafka.consumerProps(), new StringDeserializer(), Serdes.outboundMessage())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            RecordDeserializationException failure = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (failure == null && System.nanoTime() < deadline) {
                try {
                    c.poll(Duration.ofMillis(200));
                } catch (RecordDeserializationException e) {
                    failure = e;
                }
            }
            assertThat(failure).isNotNull();
            ProducerRecord<byte[], byte[]> dlq = DlqRecords.of("outflow.dlq", failure);
            assertThat(dlq.value()).isEqualTo("junk".getBytes());
            assertThat(dlq.key()).isEqualTo("k".getBytes());
            assertThat(DlqRecords.reason(dlq.headers())).contains("not an Avro single-object OutboundMessage");
        }
    }

    private static <T extends SpecificRecord> void roundTrip(RecordSerde<T> serde, T value) throws Exception {
        String topic = newTopic();
        var props = TestKafka.producerProps();
        props.put("compression.type", "zstd");
        try (KafkaProducer<String, T> p = new KafkaProducer<>(props, new StringSerializer(), serde)) {
            p.send(new ProducerRecord<>(topic, 0, "key", value)).get(30, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<String, T>> got = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(TestKafka.consumerProps(), new StringDeserializer(), serde)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.isEmpty() && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
            }
        }
        assertThat(got).hasSize(1);
        assertThat(got.get(0).value()).isEqualTo(value);
    }

    private static String newTopic() throws Exception {
        String name = "serde-" + UUID.randomUUID();
        try (Admin admin = TestKafka.admin()) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) -1))).all().get(30, TimeUnit.SECONDS);
        }
        return name;
    }
}

package dev.outflow.codec.suppression;

import dev.outflow.codec.topics.AckedWrites;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes manual changes to the suppression list (idempotent producer, {@code acks=all}) and waits
 * for the broker's acknowledgement, so a change reported as done is durable. Thread-safe; close it.
 */
public final class SuppressionPublisher implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public SuppressionPublisher(Map<String, Object> clientProps, String topic) {
        Map<String, Object> p = AckedWrites.producerProps(clientProps);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    /** Adds or replaces the entry of {@code s.address()}. */
    public void add(Suppression s) {
        send(SuppressionRecords.key(s.address()), SuppressionRecords.encode(s));
    }

    /** Removes the entry of {@code address} (a tombstone; harmless when there is none). */
    public void remove(String address) {
        send(SuppressionRecords.key(address), null);
    }

    private void send(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("suppression change for " + key + " not acknowledged by Kafka: "
                    + (e instanceof ExecutionException ? e.getCause().getMessage() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the suppression of " + key, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}

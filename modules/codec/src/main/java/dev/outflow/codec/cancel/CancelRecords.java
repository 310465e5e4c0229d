package dev.outflow.codec.cancel;

import dev.outflow.codec.topics.AckedWrites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The wire format of the cancellations topic ({@code <prefix>cancellations}): compacted, key =
 * {@link Cancellation#key()}, value = JSON
 * <pre>{"messageId":"order-42","queuedBefore":1767000000000,"issuedAt":1767000000000,"issuedBy":"alice"}</pre>
 * (or {@code "domain"} instead of {@code "messageId"}); JSON so that any tool can write one.
 */
public final class CancelRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CancelRecords() {
    }

    public static byte[] encode(Cancellation c) {
        ObjectNode n = JSON.createObjectNode();
        if (c.messageId() != null) n.put("messageId", c.messageId());
        if (c.domain() != null) n.put("domain", c.domain());
        n.put("queuedBefore", c.queuedBefore());
        n.put("issuedAt", c.issuedAt());
        n.put("issuedBy", c.issuedBy());
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException when the bytes are not such an object */
    public static Cancellation decode(byte[] value) {
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cancellation record is not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject() || !n.path("queuedBefore").canConvertToLong()) {
            throw new IllegalArgumentException("cancellation record has no \"queuedBefore\"");
        }
        return new Cancellation(n.hasNonNull("messageId") ? n.get("messageId").asText() : null,
                n.hasNonNull("domain") ? n.get("domain").asText() : null, n.get("queuedBefore").asLong(),
                n.path("issuedAt").asLong(0), n.path("issuedBy").asText(""));
    }

    /**
     * Writes a cancellation and waits for the broker's acknowledgement.
     *
     * @throws IllegalStateException when Kafka does not acknowledge within 30 s
     */
    public static void publish(Map<String, Object> clientProps, String topic, Cancellation c) {
        Map<String, Object> p = AckedWrites.producerProps(clientProps);
        try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, c.key().getBytes(StandardCharsets.UTF_8), encode(c))).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cancellation " + c.key() + " not acknowledged by Kafka: "
                    + (e instanceof ExecutionException ? e.getCause().getMessage() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing cancellation " + c.key(), e);
        }
    }
}

package dev.outflow.codec.topics;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Producer settings for an operator's write that is reported done only once durable (suppression
 * list changes, cancellations): idempotent, {@code acks=all}, never transactional, and bounded
 * waits so a command fails within about 30 s instead of hanging when Kafka is away.
 */
public final class AckedWrites {
    private AckedWrites() {
    }

    public static Map<String, Object> producerProps(Map<String, Object> clientProps) {
        Map<String, Object> p = new HashMap<>(clientProps);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        return p;
    }
}

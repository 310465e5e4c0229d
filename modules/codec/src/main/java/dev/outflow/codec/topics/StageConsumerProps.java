package dev.outflow.codec.topics;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Consumer settings of a stage that consumes and produces in one transaction (worker, router):
 * forced where exactly-once depends on them, defaults a pass-through key may override otherwise.
 * Stateless.
 */
public final class StageConsumerProps {
    private StageConsumerProps() {
    }

    /**
     * Group {@code group}, no auto-commit (offsets go in the transaction), {@code read_committed}
     * (inputs may be written transactionally), up to 1000 records per poll, and the classic protocol
     * with the cooperative sticky assignor unless {@code group.protocol=consumer} (KIP-848) is
     * passed through. Serializer and deserializer classes of {@code base} are dropped.
     */
    public static Map<String, Object> of(Map<String, Object> base, String group, String clientId) {
        Map<String, Object> p = new HashMap<>(base);
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        if (!"consumer".equalsIgnoreCase(String.valueOf(p.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)))) {
            p.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        return p;
    }
}

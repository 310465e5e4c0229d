package dev.outflow.app;

import dev.outflow.broker.EmbeddedBroker;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The Kafka client settings every component starts from: where the cluster is, plus the
 * {@code kafka.client.*} pass-through keys. With {@code kafka.bootstrap.servers} unset, the
 * embedded broker's address is read from {@code data.dir}.
 */
final class KafkaBase {
    private KafkaBase() {}

    /** Client properties for a given bootstrap address (e.g. a broker started by this process). */
    static Map<String, Object> props(Config config, String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        config.kafkaClientProperties().forEach((k, v) -> p.put((String) k, v));
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /** Client properties for commands that join an already running system. */
    static Map<String, Object> props(Config config) {
        return props(config, bootstrap(config));
    }

    static String bootstrap(Config config) {
        String configured = config.get(OutflowKeys.KAFKA_BOOTSTRAP);
        if (configured != null && !configured.isBlank()) return configured;
        return EmbeddedBroker.readAddress(config.get(OutflowKeys.DATA_DIR)).orElseThrow(() -> new IllegalStateException(
                "no Kafka to talk to: kafka.bootstrap.servers is unset and no embedded broker runs with data.dir="
                        + config.get(OutflowKeys.DATA_DIR) + " (start one with 'outflow up' or 'outflow broker')"));
    }
}

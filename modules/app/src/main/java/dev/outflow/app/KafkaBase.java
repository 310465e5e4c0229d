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
 * embedded broker's address is read from {@code data.dir}, and its SCRAM credentials
 * ({@code broker.sasl_user}) are added, so in-process stages and CLI commands log in like any client.
 */
final class KafkaBase {
    private KafkaBase() {}

    /** Client properties for a given bootstrap address (e.g. a broker started by this process). */
    static Map<String, Object> props(Config config, String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        config.kafkaClientProperties().forEach((k, v) -> p.put((String) k, v));
        p.putAll(embeddedCredentials(config));
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /**
     * The config for components that read their Kafka settings from it (the SMTP queue,
     * {@code OutflowClient}): the bootstrap address and, for the embedded broker, its SCRAM credentials.
     */
    static Config clientConfig(Config config, String bootstrap) {
        Map<String, String> m = new HashMap<>();
        embeddedCredentials(config).forEach((k, v) -> m.put(OutflowKeys.KAFKA_CLIENT_PREFIX + k, v));
        m.put(OutflowKeys.KAFKA_BOOTSTRAP.name(), bootstrap);
        return config.with(m);
    }

    /**
     * What a client of the embedded broker needs to log in when {@code broker.sasl_user} is set: the
     * SCRAM settings. Nothing for an external cluster ({@code kafka.bootstrap.servers}), or when
     * {@code kafka.client.security.protocol} is set by hand.
     */
    static Map<String, String> embeddedCredentials(Config config) {
        String external = config.get(OutflowKeys.KAFKA_BOOTSTRAP);
        String user = config.get(OutflowKeys.BROKER_SASL_USER);
        if ((external != null && !external.isBlank()) || user == null || user.isBlank()) return Map.of();
        if (config.kafkaClientProperties().containsKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)) return Map.of();
        String password = config.get(OutflowKeys.BROKER_SASL_PASSWORD);
        if (password == null || password.isEmpty()) {
            throw new dev.outflow.core.config.ConfigException(OutflowKeys.BROKER_SASL_PASSWORD.name(), "not set, but broker.sasl_user is: SCRAM needs both");
        }
        return EmbeddedBroker.scramClientProperties(user, password);
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

package dev.outflow.app;

import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.TopicSpec;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.stage.StageTopics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * What every Kafka-facing command derives from the configuration: topic names, the record codec
 * (single-object Avro, or Confluent wire format with {@code schema.registry.url}) and the client
 * settings for a bootstrap address.
 */
record Context(Config config, Topics topics, CodecFactory codecs, Map<String, Object> kafka) {

    static Context of(Config config, String bootstrap) {
        Topics topics = StageTopics.from(config);
        return new Context(config, topics, Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL), config.get(OutflowKeys.EVENTS_FORMAT)),
                KafkaBase.props(config, bootstrap));
    }

    /** For commands that join a running system (embedded broker found through data.dir). */
    static Context of(Config config) {
        return of(config, KafkaBase.bootstrap(config));
    }

    List<TopicSpec> topicSpecs() {
        int rf = config.get(OutflowKeys.TOPIC_REPLICATION_FACTOR);
        int minIsr = config.get(OutflowKeys.TOPIC_MIN_INSYNC_REPLICAS);
        if (minIsr > 0 && rf > 0 && minIsr > rf) {
            throw new dev.outflow.core.config.ConfigException(OutflowKeys.TOPIC_MIN_INSYNC_REPLICAS.name(),
                    minIsr + " exceeds topic.replication_factor=" + rf + ": no write could ever be acknowledged");
        }
        List<TopicSpec> specs = topics.specs(config.get(OutflowKeys.TOPIC_OUTBOUND_PARTITIONS), config.get(OutflowKeys.TOPIC_PARTITIONS),
                rf, config.get(OutflowKeys.MAX_MESSAGE_BYTES));
        if (minIsr < 0) return specs;
        return specs.stream().map(s -> {
            Map<String, String> configs = new java.util.HashMap<>(s.configs());
            configs.put("min.insync.replicas", Integer.toString(minIsr));
            return new TopicSpec(s.name(), s.partitions(), s.replicationFactor(), configs);
        }).toList();
    }

    /** Creates missing topics (idempotent) and returns the names created. */
    List<String> ensureTopics() {
        try (Admin admin = Admin.create(kafka)) {
            return TopicBootstrap.ensure(admin, kafka, topicSpecs());
        }
    }

    String group(String role) {
        return topics.prefix() + role;
    }
}

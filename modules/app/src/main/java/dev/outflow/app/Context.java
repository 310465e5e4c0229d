package dev.outflow.app;

import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.TopicSpec;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
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
        Topics topics = new Topics(config.get(OutflowKeys.TOPIC_PREFIX), config.get(OutflowKeys.SCHEDULER_BUCKETS));
        return new Context(config, topics, Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL)),
                KafkaBase.props(config, bootstrap));
    }

    /** For commands that join a running system (embedded broker found through data.dir). */
    static Context of(Config config) {
        return of(config, KafkaBase.bootstrap(config));
    }

    List<TopicSpec> topicSpecs() {
        return topics.specs(config.get(OutflowKeys.TOPIC_OUTBOUND_PARTITIONS), config.get(OutflowKeys.TOPIC_PARTITIONS),
                config.get(OutflowKeys.TOPIC_REPLICATION_FACTOR), config.get(OutflowKeys.MAX_MESSAGE_BYTES));
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

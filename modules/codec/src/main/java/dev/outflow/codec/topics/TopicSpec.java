package dev.outflow.codec.topics;

import java.util.Map;
import java.util.Objects;

/**
 * A topic to create: name, partitions, replication factor (-1 = the broker's
 * {@code default.replication.factor}) and topic configs. Immutable.
 */
public record TopicSpec(String name, int partitions, int replicationFactor, Map<String, String> configs) {
    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be >= 1, got " + partitions);
        }
        if (replicationFactor == 0 || replicationFactor < -1 || replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("topic " + name + ": replication factor must be -1 or >= 1, got " + replicationFactor);
        }
        configs = Map.copyOf(configs);
    }
}

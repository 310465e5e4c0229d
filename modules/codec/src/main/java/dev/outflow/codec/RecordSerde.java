package dev.outflow.codec;

import java.util.Map;

import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serde} for one Avro record type that is its own serializer and deserializer, so
 * the same object can be handed to a producer, a consumer or Kafka Streams.
 *
 * <p>{@code serialize(topic, null)} is {@code null} (a tombstone) and {@code deserialize(topic,
 * null)} is {@code null} (e.g. a warm-up record). Undecodable bytes throw
 * {@link RecordDecodeException}; a value that cannot be encoded throws Kafka's
 * {@code SerializationException}. Implementations are thread-safe and need no configuration.
 */
public interface RecordSerde<T> extends Serde<T>, Serializer<T>, Deserializer<T> {

    /** The schema records are written with and decoded into. */
    Schema schema();

    /** The record class. */
    Class<T> type();

    @Override
    default Serializer<T> serializer() {
        return this;
    }

    @Override
    default Deserializer<T> deserializer() {
        return this;
    }

    @Override
    default void configure(Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: serdes are built complete.
    }

    @Override
    default void close() {
        // Holds no resources beyond caches.
    }
}

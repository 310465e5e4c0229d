package dev.outflow.codec;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;

import dev.outflow.avro.ControlCommand;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Submission;
import dev.outflow.codec.internal.EventSerde;

/**
 * Entry point to Outflow's record serdes. The per-record methods return shared single-object
 * serdes (the default format, no registry), which also decode every older schema version listed
 * in {@link SchemaHistory}. {@link #forConfig(String)} picks the format from
 * {@code schema.registry.url}.
 *
 * <pre>{@code
 * CodecFactory codecs = Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL)); // null → single-object
 * KafkaProducer<String, OutboundMessage> p = new KafkaProducer<>(props, new StringSerializer(), codecs.outboundMessage());
 * }</pre>
 *
 * Thread-safe.
 */
public final class Serdes {
    private static final CodecFactory SINGLE_OBJECT = new Cached(null, false);
    private static final AvroSerde<DeliveryEvent> AVRO_EVENTS = AvroSerde.of(DeliveryEvent.class, SchemaHistory.store());

    private Serdes() {
    }

    public static AvroSerde<OutboundMessage> outboundMessage() {
        return (AvroSerde<OutboundMessage>) SINGLE_OBJECT.outboundMessage();
    }

    /** Avro only; the factories' event serdes ({@link CodecFactory#deliveryEvent()}) also read JSON events. */
    public static AvroSerde<DeliveryEvent> deliveryEvent() {
        return AVRO_EVENTS;
    }

    public static AvroSerde<ControlCommand> controlCommand() {
        return (AvroSerde<ControlCommand>) SINGLE_OBJECT.controlCommand();
    }

    public static AvroSerde<Submission> submission() {
        return (AvroSerde<Submission>) SINGLE_OBJECT.submission();
    }

    /** Single-object encoding, shared instances. */
    public static CodecFactory singleObject() {
        return SINGLE_OBJECT;
    }

    /** Confluent wire format against {@code registry}; one serde per type for this factory. */
    public static CodecFactory confluent(SchemaRegistryClient registry) {
        return new Cached(java.util.Objects.requireNonNull(registry, "registry"), false);
    }

    /**
     * The codecs for {@code schema.registry.url}: blank or null → single-object encoding,
     * otherwise the Confluent wire format against that registry (no request until first use).
     *
     * @throws IllegalArgumentException when the URL is not http(s)
     */
    public static CodecFactory forConfig(String schemaRegistryUrlOrNull) {
        if (schemaRegistryUrlOrNull == null || schemaRegistryUrlOrNull.isBlank()) {
            return SINGLE_OBJECT;
        }
        return confluent(new SchemaRegistryClient(schemaRegistryUrlOrNull));
    }

    /**
     * {@link #forConfig(String)} with the encoding of the event topics ({@code events.format}):
     * {@code avro} (the wire format of everything else) or {@code json} ({@link EventJson}).
     * Event serdes of every factory read both.
     *
     * @throws IllegalArgumentException for another format or a URL that is not http(s)
     */
    public static CodecFactory forConfig(String schemaRegistryUrlOrNull, String eventsFormat) {
        if ("avro".equals(eventsFormat)) return forConfig(schemaRegistryUrlOrNull);
        if (!"json".equals(eventsFormat)) throw new IllegalArgumentException("events.format '" + eventsFormat + "' is not avro or json");
        boolean none = schemaRegistryUrlOrNull == null || schemaRegistryUrlOrNull.isBlank();
        return new Cached(none ? null : new SchemaRegistryClient(schemaRegistryUrlOrNull), true);
    }

    /** Serdes built on first use, one per type; single-object when {@code registry} is null. */
    private static final class Cached implements CodecFactory {
        private final SchemaRegistryClient registry;
        private final boolean jsonEvents;
        private final Map<Class<?>, RecordSerde<?>> serdes = new ConcurrentHashMap<>();

        Cached(SchemaRegistryClient registry, boolean jsonEvents) {
            this.registry = registry;
            this.jsonEvents = jsonEvents;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends SpecificRecord> RecordSerde<T> forType(Class<T> type) {
            return (RecordSerde<T>) serdes.computeIfAbsent(type, t -> {
                RecordSerde<T> avro = registry == null ? AvroSerde.of(type, SchemaHistory.store()) : new ConfluentSerde<>(type, registry);
                return type == DeliveryEvent.class ? new EventSerde((RecordSerde<DeliveryEvent>) avro, jsonEvents) : avro;
            });
        }

        @Override
        public String wireFormat() {
            return registry == null ? "single-object" : "confluent";
        }

        @Override
        public String toString() {
            return "CodecFactory[" + wireFormat() + (jsonEvents ? ", json events" : "") + (registry == null ? "" : " " + registry.baseUri()) + "]";
        }
    }
}

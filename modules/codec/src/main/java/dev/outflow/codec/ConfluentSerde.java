package dev.outflow.codec;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

import dev.outflow.codec.internal.SpecificCodec;

/**
 * The Confluent wire format for one generated record class: byte 0 = magic 0, bytes 1–4 = the
 * writer schema's registry id (big-endian), then Avro binary. For interoperability with
 * Confluent's serializers, Kafka Connect and ksqlDB; used when {@code schema.registry.url} is set.
 *
 * <p>Serializing registers the current schema under subject {@code <topic>-value} (once per topic
 * per process). Deserializing fetches the writer schema by id (once per id) and resolves it to the
 * current class. Records in Avro single-object encoding (written before the registry was
 * configured) are recognised by their header and decoded too, so switching formats does not send
 * in-flight records to the DLQ. Thread-safe.
 *
 * <p>Failures: undecodable bytes or an id the registry does not know → {@link RecordDecodeException};
 * registry unreachable → {@link SchemaRegistryException} (transient, not the record's fault).
 */
public final class ConfluentSerde<T extends SpecificRecord> implements RecordSerde<T> {
    public static final byte MAGIC = 0;
    public static final int PREFIX_LENGTH = 5;

    private final SpecificCodec<T> codec;
    private final AvroSerde<T> singleObject;
    private final SchemaRegistryClient registry;
    private final Map<String, byte[]> prefixByTopic = new ConcurrentHashMap<>();
    private final Map<Integer, Writer> writers = new ConcurrentHashMap<>();

    private record Writer(Schema schema, long fingerprint) {
    }

    public ConfluentSerde(Class<T> type, SchemaRegistryClient registry) {
        this.codec = new SpecificCodec<>(type);
        this.singleObject = AvroSerde.of(type, SchemaHistory.store());
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Schema schema() {
        return codec.schema();
    }

    @Override
    public Class<T> type() {
        return codec.type();
    }

    /** Subject a topic's value schema is registered under. */
    public static String subject(String topic) {
        return topic + "-value";
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        byte[] prefix = prefixByTopic.computeIfAbsent(topic, t -> prefix(registry.register(subject(t), codec.schema())));
        try {
            return codec.encode(prefix, data);
        } catch (Exception e) {
            throw new SerializationException("cannot encode " + codec.type().getSimpleName() + ": " + e, e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        String name = codec.type().getSimpleName();
        if (data.length < PREFIX_LENGTH) {
            throw new RecordDecodeException("not a Confluent-framed " + name + ": only " + data.length + " bytes");
        }
        if (data[0] != MAGIC) {
            if (data[0] == AvroSerde.MARKER_0 && data[1] == AvroSerde.MARKER_1) {
                // Written before schema.registry.url was set (or by a writer without it): still ours.
                return singleObject.decode(data);
            }
            throw new RecordDecodeException(String.format("not a Confluent-framed %s: magic byte %02X, expected 00",
                    name, data[0] & 0xff));
        }
        int id = (data[1] & 0xff) << 24 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 8 | (data[4] & 0xff);
        Writer writer = writer(id);
        try {
            return codec.decode(writer.schema(), writer.fingerprint(), data, PREFIX_LENGTH, data.length - PREFIX_LENGTH);
        } catch (Exception e) {
            throw new RecordDecodeException("malformed " + name + " (schema id " + id + "): " + e.getMessage(), e);
        }
    }

    private Writer writer(int id) {
        Writer w = writers.get(id);
        if (w != null) {
            return w;
        }
        Schema schema = registry.findById(id).orElseThrow(() -> new RecordDecodeException(
                "unknown schema id " + id + " for " + codec.type().getSimpleName() + " (not in registry " + registry.baseUri() + ")"));
        Writer fresh = new Writer(schema, SchemaNormalization.parsingFingerprint64(schema));
        Writer previous = writers.putIfAbsent(id, fresh);
        return previous != null ? previous : fresh;
    }

    private static byte[] prefix(int id) {
        return new byte[] {MAGIC, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
    }
}

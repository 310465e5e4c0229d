package dev.outflow.codec;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

import dev.outflow.codec.internal.SpecificCodec;

/**
 * Avro single-object encoding ({@code C3 01}, the writer schema's 8-byte little-endian
 * CRC-64-AVRO fingerprint, then Avro binary) for one generated record class: the default wire
 * format of every Outflow topic. It needs no registry and is byte-compatible with Avro's
 * {@code BinaryMessageEncoder}/{@code BinaryMessageDecoder} (the generated {@code toByteBuffer}).
 *
 * <p>Records written with an older version of the schema decode when that version is known: the
 * current schema always is, older ones come from the {@link SchemaStore} given at construction
 * (e.g. a {@code SchemaStore.Cache} filled with the previous {@code .avsc} versions). Missing fields
 * take their defaults.
 *
 * <p>Thread-safe; cheap to share. Encoding parses no schema and reuses pooled buffers.
 *
 * <pre>{@code
 * AvroSerde<OutboundMessage> serde = AvroSerde.of(OutboundMessage.class);
 * byte[] bytes = serde.serialize("outflow.outbound", message);
 * OutboundMessage back = serde.deserialize("outflow.outbound", bytes);   // RecordDecodeException on garbage
 * }</pre>
 */
public final class AvroSerde<T extends SpecificRecord> implements RecordSerde<T> {
    /** The two marker bytes of Avro single-object encoding. */
    public static final byte MARKER_0 = (byte) 0xC3;
    public static final byte MARKER_1 = (byte) 0x01;
    /** Marker plus fingerprint. */
    public static final int HEADER_LENGTH = 10;

    private final SpecificCodec<T> codec;
    private final byte[] header;
    private final SchemaStore olderSchemas;
    private final Map<Long, Schema> knownWriters = new ConcurrentHashMap<>();

    private AvroSerde(Class<T> type, SchemaStore olderSchemas) {
        this.codec = new SpecificCodec<>(type);
        this.olderSchemas = olderSchemas;
        this.header = header(codec.fingerprint());
        knownWriters.put(codec.fingerprint(), codec.schema());
    }

    /** A serde that decodes records written with the current schema only. */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return new AvroSerde<>(type, fp -> null);
    }

    /** A serde that also decodes records written with the schemas {@code olderSchemas} knows. */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, SchemaStore olderSchemas) {
        return new AvroSerde<>(type, Objects.requireNonNull(olderSchemas, "olderSchemas"));
    }

    @Override
    public Schema schema() {
        return codec.schema();
    }

    @Override
    public Class<T> type() {
        return codec.type();
    }

    /** Fingerprint written into every record's header. */
    public long fingerprint() {
        return codec.fingerprint();
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : encode(data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : decode(data);
    }

    /** The single-object encoding of {@code value}; {@link SerializationException} when it cannot be encoded. */
    public byte[] encode(T value) {
        try {
            return codec.encode(header, value);
        } catch (Exception e) {
            throw new SerializationException("cannot encode " + codec.type().getSimpleName() + ": " + e, e);
        }
    }

    /** Decodes single-object bytes; {@link RecordDecodeException} when they are not a valid record. */
    public T decode(byte[] data) {
        String name = codec.type().getSimpleName();
        if (data.length < HEADER_LENGTH) {
            throw new RecordDecodeException("not an Avro single-object " + name + ": only " + data.length + " bytes");
        }
        if (data[0] != MARKER_0 || data[1] != MARKER_1) {
            String hint = data[0] == 0 ? " (looks like the Confluent wire format: is schema.registry.url set on the writer only?)" : "";
            throw new RecordDecodeException(String.format("not an Avro single-object %s: header %02X %02X, expected C3 01%s",
                    name, data[0] & 0xff, data[1] & 0xff, hint));
        }
        long fp = fingerprintAt(data);
        Schema writer = writerSchema(fp);
        try {
            return codec.decode(writer, fp, data, HEADER_LENGTH, data.length - HEADER_LENGTH);
        } catch (Exception e) {
            throw new RecordDecodeException(String.format("malformed %s (writer schema %016X): %s", name, fp, e.getMessage()), e);
        }
    }

    private Schema writerSchema(long fp) {
        Schema known = knownWriters.get(fp);
        if (known != null) {
            return known;
        }
        Schema found;
        try {
            found = olderSchemas.findByFingerprint(fp);
        } catch (RuntimeException e) {
            found = null;
        }
        if (found == null) {
            throw new RecordDecodeException(String.format(
                    "unknown schema fingerprint %016X for %s (written with a schema version this process does not know)",
                    fp, codec.type().getSimpleName()));
        }
        if (SchemaNormalization.parsingFingerprint64(found) != fp) {
            throw new RecordDecodeException(String.format("schema store answered fingerprint %016X with another schema", fp));
        }
        knownWriters.put(fp, found);
        return found;
    }

    private static long fingerprintAt(byte[] data) {
        long fp = 0;
        for (int i = HEADER_LENGTH - 1; i >= 2; i--) {
            fp = (fp << 8) | (data[i] & 0xff);
        }
        return fp;
    }

    private static byte[] header(long fp) {
        byte[] h = new byte[HEADER_LENGTH];
        h[0] = MARKER_0;
        h[1] = MARKER_1;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) (fp >>> (8 * i));
        }
        return h;
    }
}

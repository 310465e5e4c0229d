package dev.outflow.codec.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro binary body encoding and decoding for one generated record class, with the framing
 * (single-object header or Confluent prefix) left to the caller. Encoders, decoders and schema
 * resolvers are pooled, so the hot path parses no schema and builds no resolver.
 *
 * <p>Thread-safe.
 */
public final class SpecificCodec<T extends SpecificRecord> {
    /** Buffers that grew beyond this (a large message) are not kept in the pool. */
    private static final int MAX_POOLED_BUFFER = 1 << 20;

    private final Class<T> type;
    private final Schema schema;
    private final long fingerprint;
    private final SpecificData data;
    private final StatePool<WriteState<T>> writeStates;
    private final StatePool<ReadState<T>> readStates;

    public SpecificCodec(Class<T> type) {
        this.type = type;
        this.data = new SpecificData(type.getClassLoader());
        // Generated classes carry hand-written encode/decode methods: much faster than reflection.
        this.data.setCustomCoders(true);
        this.schema = data.getSchema(type);
        this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.writeStates = new StatePool<>(() -> new WriteState<>(schema, data));
        this.readStates = new StatePool<>(ReadState::new);
    }

    public Class<T> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    /** CRC-64-AVRO fingerprint of the parsing canonical form of {@link #schema()}. */
    public long fingerprint() {
        return fingerprint;
    }

    /** {@code prefix} followed by the Avro binary encoding of {@code value}. */
    public byte[] encode(byte[] prefix, T value) throws IOException {
        WriteState<T> s = writeStates.take();
        try {
            s.out.reset();
            s.out.write(prefix, 0, prefix.length);
            s.writer.write(value, s.encoder);
            s.encoder.flush();
            return s.out.toByteArray();
        } finally {
            if (s.out.capacity() <= MAX_POOLED_BUFFER) {
                writeStates.give(s);
            }
        }
    }

    /**
     * Decodes {@code length} bytes at {@code offset} written with {@code writer} (whose fingerprint
     * is {@code writerFingerprint}) into the current class, resolving schema differences.
     *
     * @throws IOException on truncated or malformed data, including trailing bytes
     */
    public T decode(Schema writer, long writerFingerprint, byte[] bytes, int offset, int length) throws IOException {
        ReadState<T> s = readStates.take();
        try {
            ResolvedReader<T> reader = s.reader(writerFingerprint, writer, schema, data);
            ByteArrayDecoder in = s.decoder.reset(bytes, offset, length);
            T value = reader.decode(in);
            if (in.remaining() != 0) {
                throw new IOException(in.remaining() + " unexpected bytes after the record");
            }
            return value;
        } finally {
            s.decoder.release();
            readStates.give(s);
        }
    }

    private static final class WriteState<T> {
        final GrowableOutput out = new GrowableOutput(4096);
        final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        final SpecificDatumWriter<T> writer;

        WriteState(Schema schema, SpecificData data) {
            this.writer = new SpecificDatumWriter<>(schema, data);
        }
    }

    private static final class ReadState<T> {
        final ByteArrayDecoder decoder = new ByteArrayDecoder();
        final Map<Long, ResolvedReader<T>> readers = new HashMap<>();
        // Nearly every record has the current schema: skip the map (and boxing) for it.
        long lastFingerprint;
        ResolvedReader<T> lastReader;

        ResolvedReader<T> reader(long fingerprint, Schema writer, Schema schema, SpecificData data) throws IOException {
            if (lastReader != null && lastFingerprint == fingerprint) {
                return lastReader;
            }
            ResolvedReader<T> r = readers.get(fingerprint);
            if (r == null) {
                r = new ResolvedReader<>(writer, schema, data);
                readers.put(fingerprint, r);
            }
            lastFingerprint = fingerprint;
            lastReader = r;
            return r;
        }
    }

    /** A datum reader that owns its resolver instead of looking one up per thread on every read. */
    private static final class ResolvedReader<T> extends SpecificDatumReader<T> {
        private final ResolvingDecoder resolver;

        ResolvedReader(Schema writer, Schema reader, SpecificData data) throws IOException {
            super(writer, reader, data);
            this.resolver = DecoderFactory.get().resolvingDecoder(Schema.applyAliases(writer, reader), reader, null);
        }

        @SuppressWarnings("unchecked")
        T decode(ByteArrayDecoder in) throws IOException {
            resolver.configure(in);
            T value = (T) read(null, getExpected(), resolver);
            resolver.drain();
            return value;
        }
    }
}

package dev.outflow.router.internal;

import dev.outflow.avro.Submission;
import dev.outflow.codec.AvroSerde;
import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.ConfluentSerde;
import dev.outflow.codec.RecordDecodeException;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.Serdes;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Tells the wire format of each record value on the submissions topic apart and decodes it:
 * <ul>
 *   <li>{@code C3 01} — Avro single-object encoding of {@link Submission} (always understood);</li>
 *   <li>{@code 00} + 4-byte schema id — Confluent wire format, only when the codecs are Confluent
 *       ({@code schema.registry.url} set); otherwise an error saying so;</li>
 *   <li>{@code {} after optional blanks and a UTF-8 byte-order mark — JSON (see
 *       {@link JsonSubmissions}).</li>
 * </ul>
 * Anything else is an {@link InvalidSubmissionException} naming the first bytes.
 *
 * <p>Thread-safe. A schema registry that cannot be reached surfaces as the codec's
 * {@code SchemaRegistryException} (transient: not the record's fault), not as an invalid record.
 */
public final class SubmissionDecoder {
    private static final byte[] NO_BYTES = new byte[0];

    private final AvroSerde<Submission> singleObject = Serdes.submission();
    private final RecordSerde<Submission> confluent;

    /** @param codecs the process's codecs; Confluent framing is accepted only when they are Confluent */
    public SubmissionDecoder(CodecFactory codecs) {
        this.confluent = "confluent".equals(codecs.wireFormat()) ? codecs.submission() : null;
    }

    /**
     * Decodes one record value.
     *
     * @param topic the topic it came from (the Confluent serde may use it)
     * @throws InvalidSubmissionException when the value is no submission in any accepted format
     */
    public DecodedSubmission decode(String topic, byte[] value) throws InvalidSubmissionException {
        if (value == null) throw new InvalidSubmissionException("empty record (null value): expected a submission");
        if (value.length == 0) throw new InvalidSubmissionException("empty record (0 bytes): expected a submission");
        byte b0 = value[0];
        if (b0 == AvroSerde.MARKER_0 && value.length > 1 && value[1] == AvroSerde.MARKER_1) {
            return fromAvro(singleObject, topic, value, DecodedSubmission.Format.AVRO);
        }
        if (b0 == ConfluentSerde.MAGIC) {
            if (confluent == null) {
                throw new InvalidSubmissionException("Confluent wire format (magic byte 00) but this router has no schema.registry.url;"
                        + " write Avro single-object encoding or JSON, or configure the registry");
            }
            return fromAvro(confluent, topic, value, DecodedSubmission.Format.CONFLUENT);
        }
        int start = jsonStart(value);
        if (start >= 0) return JsonSubmissions.parse(value, start, value.length - start);
        throw new InvalidSubmissionException("unrecognised format, first bytes " + hex(value)
                + ": expected Avro single-object (C3 01), a JSON object, or Confluent framing (00) with schema.registry.url");
    }

    private static DecodedSubmission fromAvro(RecordSerde<Submission> serde, String topic, byte[] value,
                                              DecodedSubmission.Format format) throws InvalidSubmissionException {
        Submission s;
        try {
            s = serde.deserialize(topic, value);
        } catch (RecordDecodeException e) {
            throw new InvalidSubmissionException("undecodable Avro submission: " + e.reason());
        }
        List<String> recipients = s.getRecipients() == null ? List.of() : s.getRecipients();
        Map<String, String> notes = s.getNotes() == null ? Map.of() : s.getNotes();
        return new DecodedSubmission(s.getId(), s.getMailFrom() == null ? "" : s.getMailFrom(), recipients,
                bytes(s.getContents()), notes, format);
    }

    /** The array behind the buffer when it is exactly the contents (the decoder's usual case), else a copy. */
    static byte[] bytes(ByteBuffer b) {
        if (b == null) return NO_BYTES;
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) return b.array();
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Offset of the '{' opening a JSON object after optional UTF-8 BOM and blanks, or -1. */
    static int jsonStart(byte[] v) {
        int i = 0;
        if (v.length >= 3 && (v[0] & 0xff) == 0xEF && (v[1] & 0xff) == 0xBB && (v[2] & 0xff) == 0xBF) i = 3;
        while (i < v.length && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')) i++;
        return i < v.length && v[i] == '{' ? i : -1;
    }

    private static String hex(byte[] v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(4, v.length); i++) {
            if (i > 0) b.append(' ');
            b.append(String.format("%02X", v[i] & 0xff));
        }
        return b.toString();
    }
}

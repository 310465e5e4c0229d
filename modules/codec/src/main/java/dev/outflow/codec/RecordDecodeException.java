package dev.outflow.codec;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes cannot be decoded: wrong or missing header, truncated data, an unknown schema
 * fingerprint or schema id, or bytes that do not match the writer schema. Retrying cannot help;
 * the caller routes the record to the DLQ with {@link #reason()} (see {@link DlqRecords}).
 *
 * <p>It extends Kafka's {@link SerializationException}, so a consumer that decodes inside
 * {@code poll()} reports it as a {@code RecordDeserializationException} carrying the raw bytes.
 */
public final class RecordDecodeException extends SerializationException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    public RecordDecodeException(String reason) {
        super(reason);
        this.reason = reason;
    }

    public RecordDecodeException(String reason, Throwable cause) {
        super(reason, cause);
        this.reason = reason;
    }

    /** Why the record is undecodable, one line, suitable for the {@code outflow.error} DLQ header. */
    public String reason() {
        return reason;
    }
}

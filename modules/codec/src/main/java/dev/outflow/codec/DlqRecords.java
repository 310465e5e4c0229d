package dev.outflow.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * Builds the {@code outflow.dlq} record for a record that cannot be processed: the original key
 * and value bytes unchanged, the original headers, and
 * <ul>
 *   <li>{@code outflow.error} — the reason (UTF-8, at most {@value #MAX_REASON_CHARS} chars),</li>
 *   <li>{@code outflow.source.topic}, {@code outflow.source.partition},
 *       {@code outflow.source.offset} — where it came from (decimal strings).</li>
 * </ul>
 * Earlier {@code outflow.error}/{@code outflow.source.*} headers (a record that failed twice) are
 * replaced. Stateless and thread-safe.
 */
public final class DlqRecords {
    public static final String ERROR = "outflow.error";
    public static final String SOURCE_TOPIC = "outflow.source.topic";
    public static final String SOURCE_PARTITION = "outflow.source.partition";
    public static final String SOURCE_OFFSET = "outflow.source.offset";
    public static final int MAX_REASON_CHARS = 2000;

    private DlqRecords() {
    }

    /** The DLQ record for a raw record that failed with {@code reason}. */
    public static ProducerRecord<byte[], byte[]> of(String dlqTopic, ConsumerRecord<byte[], byte[]> bad, String reason) {
        return of(dlqTopic, bad.topic(), bad.partition(), bad.offset(), bad.key(), bad.value(), bad.headers(), reason);
    }

    /** The DLQ record for a raw record whose value did not decode. */
    public static ProducerRecord<byte[], byte[]> of(String dlqTopic, ConsumerRecord<byte[], byte[]> bad, RecordDecodeException e) {
        return of(dlqTopic, bad, e.reason());
    }

    /**
     * The DLQ record for a record the consumer's deserializer rejected inside {@code poll()}
     * (Kafka hands over the raw bytes in the exception). The reason is that of the
     * {@link RecordDecodeException} cause when there is one.
     */
    public static ProducerRecord<byte[], byte[]> of(String dlqTopic, RecordDeserializationException e) {
        String reason = e.getCause() instanceof RecordDecodeException rde ? rde.reason()
                : e.getCause() != null ? String.valueOf(e.getCause().getMessage()) : e.getMessage();
        return of(dlqTopic, e.topicPartition().topic(), e.topicPartition().partition(), e.offset(),
                bytes(e.keyBuffer()), bytes(e.valueBuffer()), e.headers(), reason);
    }

    /** The DLQ record from its parts; {@code originalHeaders} may be null. */
    public static ProducerRecord<byte[], byte[]> of(String dlqTopic, String sourceTopic, int partition, long offset,
                                                    byte[] key, byte[] value, Headers originalHeaders, String reason) {
        RecordHeaders headers = new RecordHeaders();
        if (originalHeaders != null) {
            for (Header h : originalHeaders) {
                if (!isDlqHeader(h.key())) {
                    headers.add(h.key(), h.value());
                }
            }
        }
        headers.add(ERROR, utf8(truncate(reason == null ? "unknown error" : reason)));
        headers.add(SOURCE_TOPIC, utf8(sourceTopic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return new ProducerRecord<>(dlqTopic, null, key, value, headers);
    }

    /** The {@code outflow.error} header of a DLQ record, or null. */
    public static String reason(Headers headers) {
        Header h = headers.lastHeader(ERROR);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static boolean isDlqHeader(String key) {
        return key.equals(ERROR) || key.equals(SOURCE_TOPIC) || key.equals(SOURCE_PARTITION) || key.equals(SOURCE_OFFSET);
    }

    private static String truncate(String s) {
        return s.length() <= MAX_REASON_CHARS ? s : s.substring(0, MAX_REASON_CHARS - 1) + "…";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer copy = b.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}

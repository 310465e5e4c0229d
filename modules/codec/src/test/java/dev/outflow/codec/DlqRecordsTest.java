package dev.outflow.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DlqRecordsTest {
    @Test
    void keepsKeyValueAndHeadersAndAddsReasonAndSource() {
        RecordHeaders original = new RecordHeaders();
        original.add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        original.add(DlqRecords.ERROR, "an older failure".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> bad = new ConsumerRecord<>("outflow.outbound", 7, 12345L, 0L,
                TimestampType.CREATE_TIME, 3, 4, "key".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3, 4},
                original, Optional.empty());

        ProducerRecord<byte[], byte[]> dlq = DlqRecords.of("outflow.dlq", bad, "not Avro");

        assertThat(dlq.topic()).isEqualTo("outflow.dlq");
        assertThat(dlq.partition()).isNull();
        assertThat(dlq.key()).isEqualTo("key".getBytes(StandardCharsets.UTF_8));
        assertThat(dlq.value()).containsExactly(1, 2, 3, 4);
        assertThat(header(dlq.headers(), "trace")).isEqualTo("t-1");
        assertThat(header(dlq.headers(), DlqRecords.ERROR)).isEqualTo("not Avro");
        assertThat(dlq.headers().headers(DlqRecords.ERROR)).hasSize(1);
        assertThat(header(dlq.headers(), DlqRecords.SOURCE_TOPIC)).isEqualTo("outflow.outbound");
        assertThat(header(dlq.headers(), DlqRecords.SOURCE_PARTITION)).isEqualTo("7");
        assertThat(header(dlq.headers(), DlqRecords.SOURCE_OFFSET)).isEqualTo("12345");
        assertThat(DlqRecords.reason(dlq.headers())).isEqualTo("not Avro");
    }

    @Test
    void usesTheDecodeReasonAndTheRawBytesOfADeserializationFailure() {
        byte[] garbage = "garbage, not Avro at all".getBytes(StandardCharsets.UTF_8);
        RecordDecodeException cause;
        try {
            Serdes.outboundMessage().deserialize("outflow.outbound", garbage);
            throw new AssertionError("garbage decoded");
        } catch (RecordDecodeException e) {
            cause = e;
        }
        RecordDeserializationException e = new RecordDeserializationException(
                RecordDeserializationException.DeserializationExceptionOrigin.VALUE, new TopicPartition("outflow.outbound", 2), 99L,
                0L, TimestampType.CREATE_TIME, null, ByteBuffer.wrap(garbage), new RecordHeaders(), "Error deserializing", cause);

        ProducerRecord<byte[], byte[]> dlq = DlqRecords.of("outflow.dlq", e);

        assertThat(dlq.key()).isNull();
        assertThat(dlq.value()).isEqualTo(garbage);
        assertThat(DlqRecords.reason(dlq.headers())).isEqualTo(cause.reason()).contains("expected C3 01");
        assertThat(header(dlq.headers(), DlqRecords.SOURCE_PARTITION)).isEqualTo("2");
        assertThat(header(dlq.headers(), DlqRecords.SOURCE_OFFSET)).isEqualTo("99");
    }

    @Test
    void longReasonsAreTruncated() {
        ProducerRecord<byte[], byte[]> dlq = DlqRecords.of("dlq", "src", 0, 0, null, null, null, "x".repeat(10_000));
        assertThat(DlqRecords.reason(dlq.headers())).hasSize(DlqRecords.MAX_REASON_CHARS).endsWith("…");
    }

    private static String header(Headers headers, String key) {
        return new String(headers.lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}

package dev.outflow.router.internal;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.intake.RoutedDelivery;
import dev.outflow.stage.MessageRecords;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The records the router publishes for one submission: its outbound parts, or its DLQ copy and
 * REJECTED event. Values are serialized here with the process's codecs. Stateless, thread-safe.
 *
 * <p>A REJECTED event goes to {@code bounced}, keyed by the message id, and carries readable
 * headers for consumers without Avro tooling: {@code outflow.error} (the reason),
 * {@code outflow.source.topic/partition/offset} (the submission record) and
 * {@code outflow.submission.key} (the submission's key, when it had one).
 */
public final class RouterOutputs {
    /** Header of a REJECTED event holding the submission record's key. */
    public static final String SUBMISSION_KEY = "outflow.submission.key";

    private final Topics topics;
    private final RecordSerde<OutboundMessage> messages;
    private final RecordSerde<DeliveryEvent> events;
    private final String routerId;
    private final java.util.function.LongSupplier maxPartBytes;

    /**
     * @param maxPartBytes the largest outbound record the producer and the outbound topic take
     *                     ({@code max.request.size}, the topic's {@code max.message.bytes}):
     *                     larger parts are refused here rather than by the broker, whose refusal
     *                     would abort the transaction
     */
    public RouterOutputs(Topics topics, CodecFactory codecs, String routerId, long maxPartBytes) {
        this(topics, codecs, routerId, () -> maxPartBytes);
    }

    /** @param maxPartBytes as above, read for every message: the topic's limit may change while the router runs */
    public RouterOutputs(Topics topics, CodecFactory codecs, String routerId, java.util.function.LongSupplier maxPartBytes) {
        this.topics = topics;
        this.messages = codecs.outboundMessage();
        this.events = codecs.deliveryEvent();
        this.routerId = routerId;
        this.maxPartBytes = maxPartBytes;
    }

    /** The largest outbound record accepted, in bytes. */
    public long maxPartBytes() {
        return maxPartBytes.getAsLong();
    }

    /**
     * The outbound records of an accepted message, one per part, keyed by routing key; null when a
     * part would exceed {@link #maxPartBytes()} (the caller rejects the message instead).
     */
    public List<ProducerRecord<byte[], byte[]>> parts(List<RoutedDelivery> parts) {
        String topic = topics.outbound();
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(parts.size());
        for (RoutedDelivery p : parts) {
            byte[] key = utf8(p.routingKey());
            byte[] value = messages.serialize(topic, MessageRecords.toRecord(p.delivery(), p.origin()));
            // Uncompressed size plus record framing (well under 1 KiB): conservative, never too lax.
            if (value.length + key.length + 1024L > maxPartBytes.getAsLong()) return null;
            out.add(new ProducerRecord<>(topic, null, key, value));
        }
        return out;
    }

    /**
     * The DLQ copy of {@code bad} and a REJECTED event for the sender.
     *
     * @param source       where the submission was first read (a retry record names the
     *                     submissions-topic record it came from); the DLQ copy and the event say so
     * @param messageId    the event key and id: the submission's id, or a fresh one
     * @param mailFrom     the sender when known, else ""
     * @param recipients   the recipients when known (one status each; may be empty)
     * @param code         SMTP-style reply code
     * @param enhancedCode RFC 3463 code
     * @param reason       one line: why
     * @param withCopy     false to leave out the DLQ copy (when the DLQ refused it already)
     */
    public List<ProducerRecord<byte[], byte[]>> rejected(ConsumerRecord<byte[], byte[]> bad, RetryTopics.RetryState source,
                                                         String messageId, String mailFrom,
                                                         List<String> recipients, int code, String enhancedCode,
                                                         String reason, long at, boolean withCopy) {
        String response = code + " " + enhancedCode + " " + reason;
        DeliveryEvent e = MessageRecords.rejected(messageId, "", mailFrom, recipients, code, enhancedCode, response, 0L, 0, at, routerId);
        RecordHeaders headers = new RecordHeaders();
        headers.add(DlqRecords.ERROR, utf8(truncate(response)));
        headers.add(DlqRecords.SOURCE_TOPIC, utf8(source.topic()));
        headers.add(DlqRecords.SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
        headers.add(DlqRecords.SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        if (bad.key() != null) headers.add(SUBMISSION_KEY, bad.key());
        String bounced = topics.bounced();
        ProducerRecord<byte[], byte[]> event = new ProducerRecord<>(bounced, null, utf8(messageId), events.serialize(bounced, e), headers);
        if (!withCopy) return List.of(event);
        ProducerRecord<byte[], byte[]> copy = DlqRecords.of(topics.dlq(), source.topic(), source.partition(), source.offset(), bad.key(),
                bad.value(), RetryTopics.withoutRetryHeaders(bad.headers()), response);
        return List.of(copy, event);
    }

    private static String truncate(String s) {
        return s.length() <= DlqRecords.MAX_REASON_CHARS ? s : s.substring(0, DlqRecords.MAX_REASON_CHARS - 1) + "…";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

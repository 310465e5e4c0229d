package dev.outflow.scheduler.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.RecordDecodeException;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Topics;
import dev.outflow.scheduler.DelayBuckets;

/**
 * Decides where each record goes and builds the record to produce: a DEFERRED event's message
 * into its bucket (or straight to outbound), a due bucket record to outbound or down the cascade,
 * a poison record to the DLQ. Bucket records move with their original key and value bytes; only
 * messages taken out of events, and flushed ones whose {@code notBefore} is rewritten, are encoded.
 *
 * <p>Every produced record carries the decision time as its timestamp: the next bucket computes
 * the record's due time from it. Stateless apart from its collaborators; used by the loop thread.
 */
public final class RecordRouter {
    private final Topics topics;
    private final DelayBuckets buckets;
    private final RecordSerde<OutboundMessage> messages;
    private final RecordSerde<DeliveryEvent> events;
    private final String[] bucketTopics;

    public RecordRouter(Topics topics, DelayBuckets buckets, RecordSerde<OutboundMessage> messages,
                        RecordSerde<DeliveryEvent> events) {
        this.topics = topics;
        this.buckets = buckets;
        this.messages = messages;
        this.events = events;
        this.bucketTopics = new String[buckets.size()];
        for (int i = 0; i < bucketTopics.length; i++) {
            bucketTopics[i] = topics.delay(buckets.name(i));
        }
    }

    /**
     * Routes the message of a record of the deferred topic. The worker keys events by message id,
     * so the routing key is derived from the message's domain (a sharded domain's records thus
     * come back under the plain domain key).
     */
    public void routeDeferred(ConsumerRecord<byte[], byte[]> record, long now, long flushCutoff, Outputs out) {
        DeliveryEvent event;
        try {
            event = events.deserialize(record.topic(), record.value());
        } catch (RecordDecodeException e) {
            out.deadLettered(DlqRecords.of(topics.dlq(), record, e));
            return;
        } catch (RuntimeException e) {
            out.deadLettered(DlqRecords.of(topics.dlq(), record, "undecodable DeliveryEvent: " + e));
            return;
        }
        String problem = problem(event);
        if (problem != null) {
            out.deadLettered(DlqRecords.of(topics.dlq(), record, problem));
            return;
        }
        OutboundMessage message = event.getMessage();
        byte[] key = message.getDomain().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        long notBefore = message.getNotBefore();
        if (notBefore <= now) {
            out.released(produce(topics.outbound(), now, key, encode(topics.outbound(), message)), now - notBefore);
        } else if (record.timestamp() <= flushCutoff) {
            message.setNotBefore(now);
            out.flushed(produce(topics.outbound(), now, key, encode(topics.outbound(), message)));
        } else {
            String topic = bucketTopics[buckets.route(notBefore - now)];
            out.routed(produce(topic, now, key, encode(topic, message)));
        }
    }

    private static String problem(DeliveryEvent event) {
        if (event == null) {
            return "deferred record without a value";
        }
        if (event.getOutcome() != Outcome.DEFERRED) {
            return "deferred topic holds a " + event.getOutcome() + " event for message " + event.getMessageId();
        }
        if (event.getMessage() == null) {
            return "DEFERRED event for message " + event.getMessageId() + " carries no message to retry";
        }
        String domain = event.getMessage().getDomain();
        if (domain == null || domain.isBlank()) {
            return "DEFERRED event for message " + event.getMessageId() + " carries a message without a domain";
        }
        return null;
    }

    /**
     * Reads a record of {@code bucket} into an entry waiting for its due time, or dead-letters it
     * and returns null. A record written at or before {@code flushCutoff} is due at once.
     */
    public Entry read(ConsumerRecord<byte[], byte[]> record, int bucket, long flushCutoff, Outputs out) {
        OutboundMessage message;
        try {
            message = messages.deserialize(record.topic(), record.value());
        } catch (RecordDecodeException e) {
            out.deadLettered(DlqRecords.of(topics.dlq(), record, e));
            return null;
        } catch (RuntimeException e) {
            out.deadLettered(DlqRecords.of(topics.dlq(), record, "undecodable OutboundMessage: " + e));
            return null;
        }
        if (message == null) {
            out.deadLettered(DlqRecords.of(topics.dlq(), record, "delay record without a value"));
            return null;
        }
        byte[] key = record.key();
        if (key == null) {
            if (message.getDomain() == null || message.getDomain().isBlank()) {
                out.deadLettered(DlqRecords.of(topics.dlq(), record, "delay record without key or domain"));
                return null;
            }
            key = message.getDomain().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        }
        long due = record.timestamp() <= flushCutoff ? Long.MIN_VALUE
                : buckets.dueAt(bucket, record.timestamp(), message.getNotBefore());
        return new Entry(record.offset(), record.timestamp(), message.getNotBefore(), due, key, record.value());
    }

    /** Moves a due entry on: to outbound when its time has come (or it was flushed), else down the cascade. */
    public void release(Entry e, long now, long flushCutoff, Outputs out) {
        if (e.notBefore() <= now) {
            out.released(produce(topics.outbound(), now, e.key(), e.value()), now - e.notBefore());
        } else if (e.timestamp() <= flushCutoff) {
            out.flushed(produce(topics.outbound(), now, e.key(), rewriteNotBefore(e.value(), now)));
        } else {
            String topic = bucketTopics[buckets.route(e.notBefore() - now)];
            out.routed(produce(topic, now, e.key(), e.value()));
        }
        e.dropValue();
    }

    private byte[] rewriteNotBefore(byte[] value, long now) {
        OutboundMessage message = messages.deserialize(topics.outbound(), value);
        message.setNotBefore(now);
        return encode(topics.outbound(), message);
    }

    private byte[] encode(String topic, OutboundMessage message) {
        return messages.serialize(topic, message);
    }

    private static ProducerRecord<byte[], byte[]> produce(String topic, long now, byte[] key, byte[] value) {
        return new ProducerRecord<>(topic, null, now, key, value);
    }
}

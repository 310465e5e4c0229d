package dev.outflow.worker.internal;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.avro.Source;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.disposition.DispositionPlan;
import dev.outflow.core.intake.DomainShards;
import dev.outflow.stage.MessageRecords;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Turns what happened to a record into the records to publish with its offset: delivery events
 * (key = message id), the retry inside a DEFERRED event, the DSN to {@code outbound}, DLQ copies
 * and parked (throttled) copies. Values are serialized here, so delivery threads do that work and
 * the poll thread only hands bytes to the producer. Stateless and thread-safe.
 */
final class OutputRecords {
    static final String DSN_CHANNEL = "dsn";

    private final Topics topics;
    private final RecordSerde<DeliveryEvent> events;
    private final RecordSerde<OutboundMessage> messages;
    private final DomainShards shards;
    private final String workerId;

    OutputRecords(Topics topics, RecordSerde<DeliveryEvent> events, RecordSerde<OutboundMessage> messages,
                  DomainShards shards, String workerId) {
        this.topics = topics;
        this.events = events;
        this.messages = messages;
        this.shards = shards;
        this.workerId = workerId;
    }

    /** Sets the outputs of a delivered job from its plan (see {@link DispositionPlan}'s table). */
    void fromPlan(Job job, DispositionPlan plan) {
        Delivery d = plan.delivery();
        DeliveryResult r = plan.result();
        long at = plan.at().toEpochMilli();
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(3);
        byte[] key = utf8(d.id());
        int kinds = 0;
        if (!plan.delivered().isEmpty()) {
            out.add(event(topics.delivered(), key, d, r, Outcome.DELIVERED, plan.delivered(), d.attempt(), at, null, null, null));
            kinds |= Job.DELIVERED;
            job.delivered = plan.deliveredHookParams().orElse(null);
        }
        if (plan.deferred().isPresent()) {
            DispositionPlan.Deferral f = plan.deferred().get();
            long next = f.notBefore().toEpochMilli();
            OutboundMessage retry = message(f.retry(), job.message, next, false);
            out.add(event(topics.deferred(), key, d, r, Outcome.DEFERRED, f.recipients(), f.retry().attempt(), at, next,
                    f.error(), retry));
            kinds |= Job.DEFERRED;
        }
        if (!plan.dropped().isEmpty()) {
            String reason = plan.dropReason();
            out.add(event(topics.bounced(), key, d, r, Outcome.DROPPED, plan.dropped(), d.attempt(), at, null, reason, null));
            kinds |= Job.DROPPED;
        }
        if (plan.bounced().isPresent()) {
            DispositionPlan.Bounce b = plan.bounced().get();
            out.add(event(topics.bounced(), key, d, r, Outcome.BOUNCED, b.recipients(), d.attempt(), at, null,
                    b.error().message(), null));
            kinds |= Job.BOUNCED;
            if (b.dsn().isPresent()) {
                out.add(dsn(b.dsn().get()));
                kinds |= Job.DSN;
            }
        }
        for (Delivery notice : plan.notices()) out.add(dsn(notice));     // RFC 3461 delayed / relayed notices
        job.outputs = out;
        job.kinds = kinds;
    }

    private ProducerRecord<byte[], byte[]> event(String topic, byte[] key, Delivery d, DeliveryResult r, Outcome outcome,
                                                 List<RecipientResult> recipients, int attempt, long at, Long nextAttemptAt,
                                                 String reason, OutboundMessage retry) {
        List<RecipientStatus> statuses = new ArrayList<>(recipients.size());
        for (RecipientResult rr : recipients) {
            statuses.add(new RecipientStatus(rr.address(), rr.code(), rr.enhancedCode(), rr.response() == null ? "" : rr.response()));
        }
        long delay = d.queuedAt() == null ? 0 : Math.max(0, at - d.queuedAt().toEpochMilli());
        DeliveryEvent e = new DeliveryEvent(d.id(), outcome, statuses, d.domain(), d.mailFrom(), r.host(), r.ip(),
                r.port() > 0 ? r.port() : null, r.mode(), r.tls(), r.tlsPolicy(), delay, attempt, at, nextAttemptAt, reason, workerId, retry);
        return new ProducerRecord<>(topic, null, key, events.serialize(topic, e));
    }

    /** The record form of a retry or DSN; the original's source is kept for retries. */
    private static OutboundMessage message(Delivery d, OutboundMessage original, long notBefore, boolean throttled) {
        Source source = original != null && original.getSource() != null ? original.getSource() : new Source("kafka", null);
        return MessageRecords.toRecord(d, source, notBefore, throttled);
    }

    private ProducerRecord<byte[], byte[]> dsn(Delivery dsn) {
        OutboundMessage m = MessageRecords.toRecord(dsn, new Source(DSN_CHANNEL, null), 0L, false);
        String routingKey = shards.routingKey(dsn.domain(), dsn.recipients().getFirst());
        return new ProducerRecord<>(topics.outbound(), null, utf8(routingKey), messages.serialize(topics.outbound(), m));
    }

    /** Outputs of an undecodable or unusable record: its bytes to the DLQ with the reason. */
    List<ProducerRecord<byte[], byte[]>> deadLetter(ConsumerRecord<byte[], byte[]> bad, String reason) {
        return List.of(DlqRecords.of(topics.dlq(), bad, reason));
    }

    /**
     * Outputs of a decodable but invalid message: the DLQ copy, and a REJECTED event on
     * {@code bounced} so the sender learns why.
     */
    List<ProducerRecord<byte[], byte[]>> rejected(ConsumerRecord<byte[], byte[]> bad, OutboundMessage m, Rejection why, Instant now) {
        long at = now.toEpochMilli();
        DeliveryEvent e = MessageRecords.rejected(m.getId(), m.getDomain(), m.getMailFrom(), m.getRecipients(), 0, why.enhancedCode(),
                why.reason(), Math.max(0, at - m.getQueuedAt()), m.getAttempt(), at, workerId);
        return List.of(DlqRecords.of(topics.dlq(), bad, why.reason()),
                new ProducerRecord<>(topics.bounced(), null, utf8(m.getId()), events.serialize(topics.bounced(), e)));
    }

    /**
     * Replacement outputs for a job whose outputs the broker refuses for good: first the consumed
     * record to the DLQ with the reason; when even that was refused, nothing.
     */
    List<ProducerRecord<byte[], byte[]>> fallback(Job j, Exception e) {
        j.delivered = null;
        if (j.kinds == Job.DEAD_LETTER) {
            j.kinds = 0;
            return List.of();
        }
        j.kinds = Job.DEAD_LETTER;
        return deadLetter(j.record, "the broker refused the outcome records: " + e);
    }

    /**
     * The parked copy of a record whose domain is saturated: same key, to the first delay bucket,
     * {@code throttled} set and {@code notBefore} given; attempt unchanged. Modifies {@code m}.
     */
    ProducerRecord<byte[], byte[]> parked(ConsumerRecord<byte[], byte[]> r, OutboundMessage m, Instant notBefore, String delayTopic) {
        m.setNotBefore(notBefore.toEpochMilli());
        m.setThrottled(true);
        return new ProducerRecord<>(delayTopic, null, r.key(), messages.serialize(delayTopic, m));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.outflow.submission.router.internal;

import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.IntakeRequest;
import dev.outflow.core.intake.IntakeResult;
import dev.outflow.core.intake.Origin;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Decides about one submission record: decode, dedupe, {@link Intake} (validation, completion,
 * queue_outbound hooks, split per domain), and the records to publish. Never throws for bad input;
 * a schema registry that cannot be reached propagates (transient).
 *
 * <p>Thread-safe when the dedupe predicate is; the poll thread calls it.
 */
public final class RecordHandler {
    private static final Origin KAFKA = new Origin(Origin.KAFKA, null);
    private static final int MAX_EVENT_ID_LENGTH = 200;

    /** What became of a record. */
    public enum Kind { ACCEPTED, HANDLED, REJECTED, DUPLICATE }

    /**
     * @param id      the message id (accepted, handled, duplicate) or the event id (rejected)
     * @param record  true when the id must be recorded in the dedupe store
     * @param outputs records to publish in the transaction
     * @param parts   outbound parts among the outputs
     */
    public record Decision(Kind kind, String id, boolean record, List<ProducerRecord<byte[], byte[]>> outputs, int parts) {
    }

    private final SubmissionDecoder decoder;
    private final Intake intake;
    private final RouterOutputs outputs;

    public RecordHandler(SubmissionDecoder decoder, Intake intake, RouterOutputs outputs) {
        this.decoder = decoder;
        this.intake = intake;
        this.outputs = outputs;
    }

    /**
     * @param seen true for an id queued within the dedupe window
     * @param now  epoch ms for event timestamps
     */
    public Decision handle(ConsumerRecord<byte[], byte[]> r, Predicate<String> seen, long now) {
        DecodedSubmission s;
        try {
            s = decoder.decode(r.topic(), r.value());
        } catch (InvalidSubmissionException e) {
            return reject(r, eventId(e.id()), e.mailFrom(), e.recipients(), 554, "5.6.0", "Malformed submission: " + e.reason(), now);
        }
        String id = s.hasId() ? s.id() : null;
        if (id != null && seen.test(id)) return new Decision(Kind.DUPLICATE, id, false, List.of(), 0);
        IntakeResult result = intake.submit(new IntakeRequest(id, s.mailFrom(), s.recipients(), s.contents(), s.notes(), KAFKA));
        return switch (result) {
            case IntakeResult.Accepted a -> {
                List<ProducerRecord<byte[], byte[]>> parts = outputs.parts(a.parts());
                if (parts == null) {
                    yield reject(r, a.id(), s.mailFrom(), s.recipients(), 552, "5.3.4",
                            "Message too large for the outbound topic (records up to " + outputs.maxPartBytes() + " bytes)", now);
                }
                yield new Decision(Kind.ACCEPTED, a.id(), id != null, parts, parts.size());
            }
            case IntakeResult.HandledByPlugin h -> new Decision(Kind.HANDLED, h.id(), id != null, List.of(), 0);
            case IntakeResult.Rejected j -> reject(r, j.id() != null ? j.id() : eventId(s.id()), s.mailFrom(), s.recipients(),
                    j.code(), j.enhancedCode(), j.message(), now);
        };
    }

    /** The decision for a record whose handling threw (a bug): dead-lettered with the error, REJECTED event. */
    public Decision internalError(ConsumerRecord<byte[], byte[]> r, RuntimeException e, long now) {
        return reject(r, null, null, List.of(), 451, "4.3.0", "Internal error in the router: " + e, now);
    }

    /**
     * The decision for a record whose outputs the broker refused (see {@link Isolation}): rejected
     * with the broker's error, with or without the DLQ copy (which may be refused for the same reason).
     */
    public Decision refused(ConsumerRecord<byte[], byte[]> r, Throwable error, boolean withCopy, long now) {
        String id = null;
        String mailFrom = null;
        List<String> recipients = List.of();
        try {
            DecodedSubmission s = decoder.decode(r.topic(), r.value());
            id = eventId(s.id());
            mailFrom = s.mailFrom();
            recipients = s.recipients();
        } catch (InvalidSubmissionException e) {
            id = eventId(e.id());
        }
        boolean tooLarge = error instanceof org.apache.kafka.common.errors.RecordTooLargeException
                || error instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException;
        return reject(r, id, mailFrom, recipients, 554, tooLarge ? "5.3.4" : "5.3.0",
                "The broker refused a record of this message: " + error, now, withCopy);
    }

    private Decision reject(ConsumerRecord<byte[], byte[]> r, String id, String mailFrom, List<String> recipients,
                            int code, String enhanced, String reason, long now) {
        return reject(r, id, mailFrom, recipients, code, enhanced, reason, now, true);
    }

    private Decision reject(ConsumerRecord<byte[], byte[]> r, String id, String mailFrom, List<String> recipients,
                            int code, String enhanced, String reason, long now, boolean withCopy) {
        String eventId = id != null ? id : intake.newId();
        return new Decision(Kind.REJECTED, eventId, false,
                outputs.rejected(r, eventId, mailFrom, recipients, code, enhanced, reason, now, withCopy), 0);
    }

    /** The producer's id when usable as an event key, else null (a fresh one is taken). */
    private static String eventId(String id) {
        return id == null || id.isBlank() || id.length() > MAX_EVENT_ID_LENGTH ? null : id;
    }
}

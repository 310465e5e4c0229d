package dev.outflow.router.internal;

import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.IntakeRequest;
import dev.outflow.core.intake.IntakeResult;
import dev.outflow.core.intake.Origin;
import dev.outflow.router.SubmissionRouter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Decides about one submission record: decode, limits, dedupe, {@link Intake} (validation,
 * completion, queue_outbound hooks, split per domain), and the records to publish. A temporary
 * refusal (DENYSOFT, a plugin that threw, an internal error) sends the record to a
 * {@link RetryTopics retry topic} until {@code router.retry_intervals} is used up, then rejects it.
 * Never throws for bad input; a schema registry that cannot be reached propagates (transient).
 *
 * <p>Thread-safe when the dedupe predicate is; the stream thread calls it.
 */
public final class RecordHandler {
    private static final Origin KAFKA = new Origin(Origin.KAFKA, null);
    private static final int MAX_EVENT_ID_LENGTH = 200;

    /** What became of a record: final outcomes, or RETRY (waits on a retry topic). */
    public enum Kind { ACCEPTED, HANDLED, REJECTED, DUPLICATE, RETRY }

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
    private final RetryTopics retries;
    private final int maxRecipients;

    /**
     * @param maxRecipients {@code router.max_recipients}: recipients accepted per submission
     */
    public RecordHandler(SubmissionDecoder decoder, Intake intake, RouterOutputs outputs, RetryTopics retries, int maxRecipients) {
        this.decoder = decoder;
        this.intake = intake;
        this.outputs = outputs;
        this.retries = retries;
        this.maxRecipients = maxRecipients;
    }

    /**
     * @param seen true for an id queued within the dedupe window
     * @param now  epoch ms for event timestamps and retry due times
     */
    public Decision handle(ConsumerRecord<byte[], byte[]> r, Predicate<String> seen, long now) {
        RetryTopics.RetryState state = retries.state(r, now);
        DecodedSubmission s;
        try {
            s = decoder.decode(r.topic(), r.value());
        } catch (InvalidSubmissionException e) {
            return reject(r, state, eventId(e.id()), e.mailFrom(), e.recipients(), 554, "5.6.0", "Malformed submission: " + e.reason(), now);
        }
        Decision overLimit = limits(r, state, s, now);
        if (overLimit != null) return overLimit;
        String id = s.hasId() ? s.id() : null;
        if (id != null && seen.test(id)) return new Decision(Kind.DUPLICATE, id, false, List.of(), 0);
        IntakeResult result = intake.submit(new IntakeRequest(id, s.mailFrom(), s.recipients(), s.contents(), s.notes(), origin(r)));
        return switch (result) {
            case IntakeResult.Accepted a -> {
                List<ProducerRecord<byte[], byte[]>> parts = outputs.parts(a.parts());
                if (parts == null) {
                    yield reject(r, state, a.id(), s.mailFrom(), s.recipients(), 552, "5.3.4",
                            "Message too large for the outbound topic (records up to " + outputs.maxPartBytes() + " bytes)", now);
                }
                yield new Decision(Kind.ACCEPTED, a.id(), id != null, parts, parts.size());
            }
            case IntakeResult.HandledByPlugin h -> new Decision(Kind.HANDLED, h.id(), id != null, List.of(), 0);
            case IntakeResult.Rejected j when j.isTemporary() -> retryOrReject(r, state, j.id() != null ? j.id() : eventId(s.id()),
                    s.mailFrom(), s.recipients(), j.code(), j.enhancedCode(), j.message(), now);
            case IntakeResult.Rejected j -> reject(r, state, j.id() != null ? j.id() : eventId(s.id()), s.mailFrom(), s.recipients(),
                    j.code(), j.enhancedCode(), j.message(), now);
        };
    }

    /**
     * {@code router.max_recipients} and {@code outbound.max_message_bytes}, checked on the record
     * as written (before Intake adds headers) so the reason names the limit; null within both.
     * A submission over the recipient limit is rejected without recipient statuses: the event
     * would be as large as the list.
     */
    private Decision limits(ConsumerRecord<byte[], byte[]> r, RetryTopics.RetryState state, DecodedSubmission s, long now) {
        int n = s.recipients().size();
        if (n > maxRecipients) {
            return reject(r, state, eventId(s.id()), s.mailFrom(), List.of(), 550, "5.5.3",
                    "Too many recipients: " + n + " (router.max_recipients is " + maxRecipients + ")", now);
        }
        long max = intake.maxMessageBytes();
        if (s.contents().length > max) {
            return reject(r, state, eventId(s.id()), s.mailFrom(), s.recipients(), 552, "5.3.4",
                    "Message size exceeds fixed limit of " + max + " bytes (outbound.max_message_bytes; contents are "
                            + s.contents().length + " bytes)", now);
        }
        return null;
    }

    /**
     * The decision for a record whose handling threw (a bug, or a plugin throwing an Error):
     * retried like a DENYSOFT, then dead-lettered with the error and a REJECTED event.
     */
    public Decision internalError(ConsumerRecord<byte[], byte[]> r, Throwable e, long now) {
        return retryOrReject(r, retries.state(r, now), null, null, List.of(), 451, "4.3.0", "Internal error in the router: " + e, now);
    }

    /**
     * The decision for a record whose outputs the broker refused (see {@link Refusals}): rejected
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
            recipients = s.recipients().size() <= maxRecipients ? s.recipients() : List.of();
        } catch (InvalidSubmissionException e) {
            id = eventId(e.id());
        }
        boolean tooLarge = error instanceof org.apache.kafka.common.errors.RecordTooLargeException
                || error instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException;
        return reject(r, retries.state(r, now), id, mailFrom, recipients, 554, tooLarge ? "5.3.4" : "5.3.0",
                "The broker refused a record of this message: " + error, now, withCopy);
    }

    /** A temporary refusal: the record waits on a retry topic, or is rejected once the schedule is used up. */
    private Decision retryOrReject(ConsumerRecord<byte[], byte[]> r, RetryTopics.RetryState state, String id, String mailFrom,
                                   List<String> recipients, int code, String enhanced, String reason, long now) {
        String line = code + " " + enhanced + " " + reason;
        var retry = retries.retry(r, state, line, now);
        if (retry.isPresent()) return new Decision(Kind.RETRY, id == null ? "" : id, false, List.of(retry.get()), 0);
        int attempts = state.attempts() + 1;
        String gaveUp = attempts == 1 ? reason
                : reason + " (gave up after " + attempts + " attempts in " + humanMinutes(now - state.firstAt()) + ", router.retry_intervals)";
        return reject(r, state, id, mailFrom, recipients, code, enhanced, gaveUp, now);
    }

    private static String humanMinutes(long ms) {
        long s = Math.max(0, ms) / 1000;
        if (s < 120) return s + " s";
        if (s < 7200) return s / 60 + " min";
        return String.format(java.util.Locale.ROOT, "%.1f h", s / 3600.0);
    }

    private Decision reject(ConsumerRecord<byte[], byte[]> r, RetryTopics.RetryState state, String id, String mailFrom,
                            List<String> recipients, int code, String enhanced, String reason, long now) {
        return reject(r, state, id, mailFrom, recipients, code, enhanced, reason, now, true);
    }

    private Decision reject(ConsumerRecord<byte[], byte[]> r, RetryTopics.RetryState state, String id, String mailFrom,
                            List<String> recipients, int code, String enhanced, String reason, long now, boolean withCopy) {
        String eventId = id != null ? id : intake.newId();
        return new Decision(Kind.REJECTED, eventId, false,
                outputs.rejected(r, state, eventId, mailFrom, recipients, code, enhanced, reason, now, withCopy), 0);
    }

    /**
     * {@code kafka}, or the channel {@code api} / {@code cli} and user that {@code OutflowClient} and
     * {@code outflow send} name in the headers {@value SubmissionRouter#CHANNEL_HEADER} and
     * {@value SubmissionRouter#USER_HEADER}. Informational only (the {@code source} of the
     * outbound record): policy is the same for every channel, and no producer can pose as SMTP.
     */
    static Origin origin(ConsumerRecord<byte[], byte[]> r) {
        Header channel = r.headers().lastHeader(SubmissionRouter.CHANNEL_HEADER);
        if (channel == null || channel.value() == null) return KAFKA;
        String c = new String(channel.value(), StandardCharsets.UTF_8);
        if (!c.equals(Origin.API) && !c.equals(Origin.CLI)) return KAFKA;
        Header user = r.headers().lastHeader(SubmissionRouter.USER_HEADER);
        String u = user == null || user.value() == null ? null : new String(user.value(), StandardCharsets.UTF_8);
        return new Origin(c, u == null || u.isBlank() || u.length() > 200 ? null : u);
    }

    /** The producer's id when usable as an event key, else null (a fresh one is taken). */
    private static String eventId(String id) {
        return id == null || id.isBlank() || id.length() > MAX_EVENT_ID_LENGTH ? null : id;
    }
}

package dev.outflow.stage;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.DsnOptions;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientDsnOptions;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.avro.Source;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DsnRequest;
import dev.outflow.core.intake.Origin;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one mapping between the Avro records of {@code schemas/} and core's domain types, both
 * directions: {@link Delivery} ⇄ {@link OutboundMessage} (with its RFC 3461 {@link DsnOptions}),
 * and the REJECTED {@link DeliveryEvent} of a message refused before delivery. Contents are
 * wrapped, not copied, in both directions. Stateless, thread-safe.
 */
public final class MessageRecords {
    private MessageRecords() {
    }

    /** A fresh record from intake: source from {@code origin}, due now, not throttled. */
    public static OutboundMessage toRecord(Delivery d, Origin origin) {
        return toRecord(d, new Source(origin.channel(), origin.user()), 0L, false);
    }

    /**
     * The record form of {@code d}: a retry (the original's source kept), a DSN or a parked copy.
     *
     * @param notBefore epoch millis before which the scheduler holds it (0: now)
     * @param throttled parked because its domain was saturated (no attempt counted)
     */
    public static OutboundMessage toRecord(Delivery d, Source source, long notBefore, boolean throttled) {
        return new OutboundMessage(d.id(), d.mailFrom(), new ArrayList<>(d.recipients()), d.domain(), ByteBuffer.wrap(d.contents()),
                d.queuedAt().toEpochMilli(), d.attempt(), notBefore, d.notes(), d.bounceOf(), source, d.lastError(), throttled,
                toRecord(d.dsn()));
    }

    /**
     * Core's view of a record, with the recipients and domain the caller checked and put in
     * canonical form (see the worker's {@code MessageCheck}).
     */
    public static Delivery toDelivery(OutboundMessage m, List<String> recipients, String domain) {
        Map<String, String> notes = m.getNotes() == null ? Map.of() : m.getNotes();
        return new Delivery(m.getId(), m.getMailFrom(), recipients, domain, bytes(m.getContents()),
                Instant.ofEpochMilli(m.getQueuedAt()), m.getAttempt(), notes, m.getBounceOf(), m.getLastError(),
                toDsnRequest(m.getDsn()));
    }

    /** RFC 3461 options of a record; null stays null. */
    public static DsnRequest toDsnRequest(DsnOptions o) {
        if (o == null) return null;
        Map<String, DsnRequest.Recipient> rcpts = new HashMap<>();
        if (o.getRecipients() != null) {
            o.getRecipients().forEach((k, v) -> rcpts.put(k, new DsnRequest.Recipient(v.getNotify(), v.getOrcpt())));
        }
        return new DsnRequest(o.getRet(), o.getEnvid(), rcpts, o.getDelayNotified());
    }

    /** RFC 3461 options in record form; null stays null. */
    public static DsnOptions toRecord(DsnRequest d) {
        if (d == null) return null;
        Map<String, RecipientDsnOptions> rcpts = new HashMap<>();
        d.recipients().forEach((k, v) -> rcpts.put(k, new RecipientDsnOptions(v.notifyOn(), v.orcpt())));
        return new DsnOptions(d.ret(), d.envid(), rcpts, d.delayNotified());
    }

    /**
     * The REJECTED event of a message refused before any delivery (invalid, over a limit, denied by
     * policy): one status per known recipient with {@code code}, {@code enhancedCode} and
     * {@code response}, no MX, no TLS policy (no connection was tried), not retried.
     *
     * @param domain   the message's domain when known, else ""
     * @param mailFrom the sender when known, else ""
     * @param delayMs  time since the message was queued (0 when it never was)
     * @param stageId  the rejecting stage's id (the event's {@code workerId})
     */
    public static DeliveryEvent rejected(String messageId, String domain, String mailFrom, List<String> recipients,
                                         int code, String enhancedCode, String response, long delayMs, int attempt,
                                         long at, String stageId) {
        List<RecipientStatus> statuses = new ArrayList<>(recipients.size());
        for (String r : recipients) statuses.add(new RecipientStatus(r, code, enhancedCode, response));
        return new DeliveryEvent(messageId, Outcome.REJECTED, statuses, domain == null ? "" : domain,
                mailFrom == null ? "" : mailFrom, null, null, null, null, false, null, delayMs, attempt, at, null, response, stageId,
                null);
    }

    /** The contents array itself when the buffer covers all of it (the usual case), else a copy. */
    private static byte[] bytes(ByteBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            return b.array();
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

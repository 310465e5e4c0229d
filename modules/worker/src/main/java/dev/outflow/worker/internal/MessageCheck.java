package dev.outflow.worker.internal;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.core.address.Domains;
import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.address.MailAddress;
import dev.outflow.core.delivery.Delivery;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Checks a decoded {@link OutboundMessage} before delivery and converts it to core's
 * {@link Delivery}. A message is invalid when it has no recipients, no contents, a sender or
 * recipient that is not an RFC 5321 mailbox, or a recipient outside its {@code domain}: such a
 * record can never be delivered, so it goes to the DLQ (with a REJECTED event) instead of being
 * retried. Stateless and thread-safe.
 */
final class MessageCheck {
    private MessageCheck() {
    }

    /** The problem with {@code m}, or null when it may be delivered. */
    static Rejection problem(OutboundMessage m) {
        List<String> rcpts = m.getRecipients();
        if (m.getId() == null || m.getId().isEmpty()) return new Rejection("message has no id", "5.6.0");
        if (rcpts == null || rcpts.isEmpty()) return new Rejection("message has no recipients", "5.1.3");
        ByteBuffer contents = m.getContents();
        if (contents == null || !contents.hasRemaining()) return new Rejection("message has no contents", "5.6.0");
        String domain;
        try {
            domain = Domains.toAscii(m.getDomain());
        } catch (InvalidAddressException e) {
            return new Rejection("invalid domain '" + m.getDomain() + "': " + e.reason(), "5.1.2");
        }
        try {
            MailAddress.parseReversePath(m.getMailFrom());
        } catch (InvalidAddressException e) {
            return new Rejection("invalid sender <" + m.getMailFrom() + ">: " + e.reason(), "5.1.7");
        }
        for (String rcpt : rcpts) {
            MailAddress a;
            try {
                a = MailAddress.parse(rcpt);
            } catch (InvalidAddressException e) {
                return new Rejection("invalid recipient <" + rcpt + ">: " + e.reason(), "5.1.3");
            }
            if (!a.domain().equals(domain)) {
                return new Rejection("recipient <" + rcpt + "> is not in the message's domain " + domain, "5.1.3");
            }
        }
        return null;
    }

    /** Core's form of a message {@link #problem} accepted; the contents array is shared, not copied, when possible. */
    static Delivery toDelivery(OutboundMessage m) {
        Map<String, String> notes = m.getNotes() == null ? Map.of() : m.getNotes();
        return new Delivery(m.getId(), m.getMailFrom(), m.getRecipients(), Domains.toAscii(m.getDomain()),
                bytes(m.getContents()), Instant.ofEpochMilli(m.getQueuedAt()), m.getAttempt(), notes, m.getBounceOf(),
                m.getLastError());
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            return b.array();
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

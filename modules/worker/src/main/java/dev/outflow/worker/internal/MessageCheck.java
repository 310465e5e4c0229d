package dev.outflow.worker.internal;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.core.address.Domains;
import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.address.MailAddress;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.stage.MessageRecords;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a decoded {@link OutboundMessage} before delivery and converts it to core's
 * {@link Delivery}. A message is invalid when it has no id, recipients or contents, a sender or
 * recipient that is not an RFC 5321 mailbox, or a recipient outside its {@code domain}: such a
 * record can never be delivered, so it goes to the DLQ (with a REJECTED event) instead of being
 * retried. Recipients and domain are delivered in canonical form ({@code local@a-label}, no
 * brackets). Stateless and thread-safe.
 */
final class MessageCheck {
    /** Exactly one of the two is set. */
    record Checked(Delivery delivery, Rejection rejection) {
    }

    private MessageCheck() {
    }

    static Checked check(OutboundMessage m) {
        List<String> rcpts = m.getRecipients();
        if (m.getId() == null || m.getId().isEmpty()) return reject("message has no id", "5.6.0");
        if (rcpts == null || rcpts.isEmpty()) return reject("message has no recipients", "5.1.3");
        ByteBuffer contents = m.getContents();
        if (contents == null || !contents.hasRemaining()) return reject("message has no contents", "5.6.0");
        String domain;
        try {
            domain = Domains.toAscii(m.getDomain());
        } catch (InvalidAddressException e) {
            return reject("invalid domain '" + m.getDomain() + "': " + e.reason(), "5.1.2");
        }
        try {
            MailAddress.parseReversePath(m.getMailFrom());
        } catch (InvalidAddressException e) {
            return reject("invalid sender <" + m.getMailFrom() + ">: " + e.reason(), "5.1.7");
        }
        List<String> canonical = new ArrayList<>(rcpts.size());
        for (String rcpt : rcpts) {
            MailAddress a;
            try {
                a = MailAddress.parse(rcpt);
            } catch (InvalidAddressException e) {
                return reject("invalid recipient <" + rcpt + ">: " + e.reason(), "5.1.3");
            }
            if (!a.domain().equals(domain)) {
                return reject("recipient <" + rcpt + "> is not in the message's domain " + domain, "5.1.3");
            }
            canonical.add(a.toString());
        }
        return new Checked(MessageRecords.toDelivery(m, canonical, domain), null);
    }

    private static Checked reject(String reason, String enhancedCode) {
        return new Checked(null, new Rejection(reason, enhancedCode));
    }
}

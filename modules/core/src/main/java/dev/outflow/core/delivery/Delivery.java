package dev.outflow.core.delivery;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import dev.outflow.core.hooks.MessageView;

/**
 * One message to deliver to the recipients of one domain: core's form of an OutboundMessage,
 * without any Kafka or Avro type. Immutable.
 *
 * @param id         message id, stable across retries
 * @param mailFrom   envelope sender, "" for the null sender
 * @param recipients recipients, all in {@code domain}
 * @param domain     lower-case A-label
 * @param contents   raw RFC 5322 message with CRLF line ends
 * @param queuedAt   when the message was accepted
 * @param attempt    temporary failures so far
 * @param notes      plugin notes
 * @param bounceOf   id of the message a DSN reports on, else null
 * @param lastError  last temporary error (for the bounce after retries run out), else null
 * @param dsn        RFC 3461 options given at submission, else null
 */
public record Delivery(String id, String mailFrom, List<String> recipients, String domain, byte[] contents,
                       Instant queuedAt, int attempt, Map<String, String> notes, String bounceOf, String lastError, DsnRequest dsn) {
    public Delivery {
        recipients = List.copyOf(recipients);
        notes = Map.copyOf(notes);
    }

    /** Without DSN options. */
    public Delivery(String id, String mailFrom, List<String> recipients, String domain, byte[] contents,
                    Instant queuedAt, int attempt, Map<String, String> notes, String bounceOf, String lastError) {
        this(id, mailFrom, recipients, domain, contents, queuedAt, attempt, notes, bounceOf, lastError, null);
    }

    /** The DSN options of some of the recipients (null when there are none). */
    public DsnRequest dsnFor(List<String> rcpts) {
        return dsn == null ? null : dsn.forRecipients(rcpts);
    }

    /** True for mail that must never cause a DSN: null sender, or itself a DSN. */
    public boolean isBounceExempt() {
        return mailFrom.isEmpty() || bounceOf != null;
    }

    public MessageView view() {
        return new MessageView(id, mailFrom, recipients, domain, attempt, notes, contents);
    }
}

package dev.outflow.core.intake;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A message offered to {@link Intake}, from any channel.
 *
 * @param id         idempotency key that becomes the message id, or null for a fresh UUID
 * @param mailFrom   envelope sender without angle brackets; null or "" is the null sender {@code <>}
 * @param recipients envelope recipients, any domains (angle brackets allowed)
 * @param contents   raw RFC 5322 message; any line ends (normalised to CRLF). Not copied: do not modify it afterwards
 * @param notes      plugin notes carried with the message
 * @param origin     channel and user
 * @param dsn        RFC 3461 options (SMTP submission's RET, ENVID, NOTIFY, ORCPT), or null
 */
public record IntakeRequest(String id, String mailFrom, List<String> recipients, byte[] contents,
                            Map<String, String> notes, Origin origin, dev.outflow.core.delivery.DsnRequest dsn) {
    public IntakeRequest {
        Objects.requireNonNull(recipients, "recipients");
        Objects.requireNonNull(contents, "contents");
        notes = notes == null ? Map.of() : notes;
        origin = origin == null ? Origin.api() : origin;
    }

    public IntakeRequest(String id, String mailFrom, List<String> recipients, byte[] contents, Map<String, String> notes, Origin origin) {
        this(id, mailFrom, recipients, contents, notes, origin, null);
    }

    /** A request from the Java API with a fresh id and no notes. */
    public static IntakeRequest of(String mailFrom, List<String> recipients, byte[] contents) {
        return new IntakeRequest(null, mailFrom, recipients, contents, Map.of(), Origin.api());
    }
}

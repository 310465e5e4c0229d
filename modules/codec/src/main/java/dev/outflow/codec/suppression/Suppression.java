package dev.outflow.codec.suppression;

import java.util.Objects;

/**
 * One entry of the suppression list: mail to {@code address} is refused at intake until
 * {@code expiresAt}. The list is global, not per sender domain: a mailbox that does not exist
 * does not exist for any sender.
 *
 * @param address   the recipient, as {@link SuppressionRecords#key(String)} normalises it
 * @param reason    why, e.g. the bounce reply ({@code 550 5.1.1 user unknown}) or the operator's note
 * @param source    {@code bounce} (added by reporting on a bad-mailbox bounce) or {@code manual}
 * @param messageId the bounced message for {@code bounce}; null for manual entries
 * @param createdAt epoch milliseconds
 * @param expiresAt epoch milliseconds; 0 = never
 */
public record Suppression(String address, String reason, String source, String messageId, long createdAt, long expiresAt) {
    public static final String BOUNCE = "bounce";
    public static final String MANUAL = "manual";

    public Suppression {
        Objects.requireNonNull(address, "address");
        reason = reason == null ? "" : reason;
        source = source == null ? MANUAL : source;
    }

    /** True while the entry is in force at {@code nowMs}. */
    public boolean activeAt(long nowMs) {
        return expiresAt == 0 || nowMs < expiresAt;
    }

    /** One line for SMTP replies and REJECTED events, e.g. {@code suppressed (bounce: 550 5.1.1 user unknown)}. */
    public String describe() {
        return "suppressed (" + source + (reason.isEmpty() ? "" : ": " + reason) + ")";
    }
}

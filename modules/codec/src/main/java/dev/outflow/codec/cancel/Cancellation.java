package dev.outflow.codec.cancel;

/**
 * An operator's cancellation of queued mail ({@code outflow cancel}): every recipient of message
 * {@code messageId}, or every message to {@code domain}, queued at or before {@code queuedBefore},
 * ends as DROPPED "cancelled by operator" at its next attempt, with no DSN. Mail queued later is
 * not affected, so a cancellation never blocks new mail (an id used again later goes through).
 *
 * @param messageId    the message, or null for a domain cancellation
 * @param domain       the recipient domain (lower case), or null for a message cancellation
 * @param queuedBefore epoch ms: only mail queued at or before this is cancelled
 * @param issuedAt     epoch ms
 * @param issuedBy     the operator (login name) or {@code api}
 */
public record Cancellation(String messageId, String domain, long queuedBefore, long issuedAt, String issuedBy) {
    public Cancellation {
        if ((messageId == null) == (domain == null)) throw new IllegalArgumentException("a cancellation names a message id or a domain");
        issuedBy = issuedBy == null ? "" : issuedBy;
    }

    /** The reason of the DROPPED event. */
    public static final String REASON = "cancelled by operator";

    /** The compacted-topic key: {@code id:<id>} or {@code domain:<domain>}. */
    public String key() {
        return messageId != null ? "id:" + messageId : "domain:" + domain;
    }

    /** True when mail queued at {@code queuedAt} (epoch ms) falls under this cancellation. */
    public boolean covers(long queuedAt) {
        return queuedAt <= queuedBefore;
    }
}

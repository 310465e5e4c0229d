package dev.outflow.core.intake;

import java.util.List;
import java.util.Objects;

/**
 * What {@link Intake} decided about one message: queue these parts, already handled by a
 * queue_outbound plugin, or rejected with an SMTP reply.
 */
public sealed interface IntakeResult {
    /** The message id (the caller's idempotency key or a fresh UUID). Null only for rejections before an id was chosen. */
    String id();

    /**
     * Queue these parts; the message counts as accepted only when every part is acknowledged.
     *
     * @param parts one per (domain, shard), all with the same message id, in first-recipient order
     */
    record Accepted(String id, List<RoutedDelivery> parts) implements IntakeResult {
        public Accepted {
            Objects.requireNonNull(id);
            parts = List.copyOf(parts);
        }
    }

    /** A queue_outbound plugin answered OK: it took the message; nothing is to be queued. */
    record HandledByPlugin(String id, String message) implements IntakeResult {}

    /**
     * Refused. {@link #smtpReply()} is the reply line to send an SMTP client.
     *
     * @param code         SMTP reply code (5xx permanent, 4xx temporary)
     * @param enhancedCode RFC 3463 status such as {@code 5.1.3}
     */
    record Rejected(String id, RejectKind kind, int code, String enhancedCode, String message) implements IntakeResult {
        public Rejected {
            Objects.requireNonNull(kind);
            Objects.requireNonNull(enhancedCode);
            Objects.requireNonNull(message);
        }

        /** E.g. {@code 550 5.1.3 Bad recipient address syntax: <x>}. */
        public String smtpReply() {
            return code + " " + enhancedCode + " " + message;
        }

        public boolean isTemporary() {
            return kind == RejectKind.TEMPORARY;
        }
    }
}

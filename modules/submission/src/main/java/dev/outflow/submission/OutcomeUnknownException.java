package dev.outflow.submission;

import java.time.Duration;

/**
 * The broker acknowledged a submission, but the router reported neither "queued" nor "rejected"
 * for it within {@code client.outcome_timeout}. The submission stays on the submissions topic and
 * is decided when a router reads it. Usual reasons: no router is running; a queue_outbound plugin
 * took the message (OK: the router writes nothing); the id was queued before within
 * {@code router.dedupe_window} (a duplicate is skipped without a record); a temporary refusal
 * (DENYSOFT) made it wait on a retry topic longer than the timeout.
 */
public final class OutcomeUnknownException extends RuntimeException {
    private final String id;

    public OutcomeUnknownException(String id, Duration timeout) {
        super("submission " + id + " was acknowledged by Kafka, but the router reported no outcome within " + timeout.toSeconds()
                + " s (client.outcome_timeout): is a router running (outflow up, outflow router)? A queue_outbound plugin that"
                + " answers OK, a duplicate id or a temporary refusal also leave no outcome in time");
        this.id = id;
    }

    /** The submission's id (its message id once queued). */
    public String id() {
        return id;
    }
}

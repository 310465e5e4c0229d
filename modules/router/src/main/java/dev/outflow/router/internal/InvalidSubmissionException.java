package dev.outflow.router.internal;

import java.util.List;

/**
 * A record on the submissions topic that is not a submission: undecodable Avro, malformed JSON, a
 * JSON object with a missing, mistyped or unknown field, an unrecognised format. Retrying cannot
 * help; the router dead-letters the record and publishes a REJECTED event.
 *
 * <p>What could be read before the error ({@link #id()}, {@link #mailFrom()},
 * {@link #recipients()}) is kept so the event can name the message and its recipients; each is
 * null (or empty) when unknown.
 */
public final class InvalidSubmissionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final transient String id;
    private final transient String mailFrom;
    private final transient List<String> recipients;

    public InvalidSubmissionException(String reason) {
        this(reason, null, null, List.of());
    }

    public InvalidSubmissionException(String reason, String id, String mailFrom, List<String> recipients) {
        super(reason, null, false, false);
        this.reason = reason;
        this.id = id;
        this.mailFrom = mailFrom;
        this.recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }

    /** One line saying what is wrong, e.g. {@code unknown field "subject"}. */
    public String reason() {
        return reason;
    }

    /** The submission's id when it could be read, else null. */
    public String id() {
        return id;
    }

    /** The sender when it could be read, else null. */
    public String mailFrom() {
        return mailFrom;
    }

    /** The recipients that could be read (possibly empty). */
    public List<String> recipients() {
        return recipients;
    }
}

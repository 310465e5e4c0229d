package dev.outflow.core.intake;

import java.util.Objects;

/**
 * How a message entered Outflow: the channel ({@code api}, {@code smtp}, {@code cli}, {@code kafka},
 * {@code dsn}) and the authenticated user, or the client address for relay networks, or null.
 * Carried to the {@code source} field of every queued record.
 */
public record Origin(String channel, String user) {
    public static final String API = "api";
    public static final String SMTP = "smtp";
    public static final String CLI = "cli";
    public static final String KAFKA = "kafka";
    public static final String DSN = "dsn";

    private static final Origin API_ORIGIN = new Origin(API, null);

    public Origin {
        Objects.requireNonNull(channel, "channel");
    }

    /** The Java API ({@code OutflowClient}) without a user. */
    public static Origin api() {
        return API_ORIGIN;
    }

    public static Origin smtp(String user) {
        return new Origin(SMTP, user);
    }
}

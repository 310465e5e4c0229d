package dev.outflow.webhooks;

import java.util.Locale;

/** Why one POST to an endpoint did not count as delivered; the {@code reason} label on {@code /metrics}. */
public enum Failure {
    /** Connection refused, unknown host, no route. */
    UNREACHABLE,
    /** TLS handshake or certificate failure. */
    TLS,
    /** No answer within {@code webhooks.timeout}. */
    TIMEOUT,
    STATUS_4XX,
    STATUS_5XX,
    /** Anything else: a 1xx/3xx answer, a connection reset mid-answer. */
    OTHER;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

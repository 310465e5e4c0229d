package dev.outflow.core.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * How a session behaves: the name it gives in EHLO/HELO/LHLO and its timeouts (RFC 5321 section
 * 4.5.3.2). {@code commandTimeout} bounds the wait for the greeting, each reply before the message
 * content and the TLS handshake; {@code dataTimeout} bounds sending the content and the wait for
 * the reply(ies) to the final dot. Immutable.
 */
public record SessionSettings(String me, Duration connectTimeout, Duration commandTimeout, Duration dataTimeout) {
    public SessionSettings {
        Objects.requireNonNull(me, "me");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(commandTimeout, "commandTimeout");
        requirePositive(dataTimeout, "dataTimeout");
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }
}

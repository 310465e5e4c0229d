package dev.outflow.core.smtp;

import dev.outflow.core.tls.TlsTrust;
import java.time.Duration;
import java.util.Objects;

/**
 * How a session behaves: the name it gives in EHLO/HELO/LHLO and its timeouts (RFC 5321 section
 * 4.5.3.2). {@code commandTimeout} bounds the wait for the greeting, each reply before the message
 * content and the TLS handshake; {@code dataTimeout} bounds sending the content and the wait for
 * the reply(ies) to the final dot. {@code trust} verifies certificates of targets whose policy is
 * {@code verify}. Immutable.
 */
public record SessionSettings(String me, Duration connectTimeout, Duration commandTimeout, Duration dataTimeout, TlsTrust trust) {
    /** With the system trust store. */
    public SessionSettings(String me, Duration connectTimeout, Duration commandTimeout, Duration dataTimeout) {
        this(me, connectTimeout, commandTimeout, dataTimeout, null);
    }

    public SessionSettings {
        Objects.requireNonNull(me, "me");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(commandTimeout, "commandTimeout");
        requirePositive(dataTimeout, "dataTimeout");
    }

    /** The trust anchors for {@code verify}: {@code tls.ca_file}, else the system's. */
    public TlsTrust trustOrSystem() {
        return trust != null ? trust : TlsTrust.system();
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }
}

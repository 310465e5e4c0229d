package dev.outflow.core.tls;

import java.util.Locale;

/**
 * How much TLS a delivery demands, named as Postfix's {@code smtp_tls_security_level}. Only
 * {@link #ENCRYPT} and {@link #VERIFY} are requirements: under them a host that does not offer
 * STARTTLS, refuses it or fails the handshake (or, for VERIFY, presents a certificate that is not
 * valid for the MX name) is a failed host, never a plaintext session.
 */
public enum TlsLevel {
    /** Never STARTTLS. */
    NONE,
    /** STARTTLS when offered, any certificate; plaintext when not offered or when the handshake fails. */
    MAY,
    /** TLS required, any certificate. */
    ENCRYPT,
    /** TLS required with a certificate that chains to a trusted CA and names the MX host (RFC 6125). */
    VERIFY;

    public boolean required() {
        return this == ENCRYPT || this == VERIFY;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted words */
    public static TlsLevel parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "' is not a TLS policy (none, may, encrypt or verify)");
        }
    }
}

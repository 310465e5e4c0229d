package dev.outflow.core.smtp;

import java.util.List;

/**
 * The SMTP envelope of one message: the reverse path ("" for the null sender) and the recipients,
 * in the order results are reported, and the RFC 3461 options passed on when the server offers DSN. Immutable.
 */
public record Envelope(String mailFrom, List<String> recipients, dev.outflow.core.delivery.DsnRequest dsn) {
    /** Without DSN options. */
    public Envelope(String mailFrom, List<String> recipients) {
        this(mailFrom, recipients, null);
    }

    public Envelope {
        mailFrom = mailFrom == null ? "" : mailFrom;
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("an envelope needs a recipient");
    }

    /**
     * False when an address holds characters that would break the command line it travels in
     * (CR, LF, NUL, angle brackets): addresses are validated upstream, this guards the wire.
     */
    public static boolean isSafe(String address) {
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c == '<' || c == '>') return false;
        }
        return true;
    }

    /** True when an address has a non-ASCII character: it can only travel with SMTPUTF8 (RFC 6531). */
    public static boolean needsSmtpUtf8(String address) {
        for (int i = 0; i < address.length(); i++) {
            if (address.charAt(i) >= 0x80) return true;
        }
        return false;
    }
}

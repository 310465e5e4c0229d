package dev.outflow.submission.smtpd.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import javax.net.ssl.SSLSession;

/**
 * The trace field the listener prepends (RFC 5321 4.4), e.g.
 * <pre>
 * Received: from client.example ([192.0.2.7])
 *         (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)
 *         by mx.example (Outflow) with ESMTPSA id 0b3c…
 *         for &lt;rcpt@example.com&gt;; Tue, 4 Mar 2025 05:06:07 +0000
 * </pre>
 * Protocol names are RFC 3848's (ESMTP, ESMTPA, ESMTPS, ESMTPSA; SMTP after HELO; UTF8 prefix per
 * RFC 6531). "for" appears only with a single recipient, so Bcc recipients are not disclosed.
 */
final class ReceivedHeader {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private ReceivedHeader() {}

    static String build(String helo, InetAddress client, SSLSession tls, boolean esmtp, boolean authenticated, boolean utf8,
                        String me, String id, String singleRecipient, ZonedDateTime now) {
        StringBuilder b = new StringBuilder(256);
        b.append("Received: from ").append(clean(helo)).append(" (").append(literal(client)).append(")\r\n");
        if (tls != null) b.append("\t(using ").append(tls.getProtocol()).append(" with cipher ").append(tls.getCipherSuite()).append(")\r\n");
        b.append("\tby ").append(me).append(" (Outflow) with ").append(protocol(esmtp, authenticated, tls != null, utf8))
                .append(" id ").append(id);
        if (singleRecipient != null) b.append("\r\n\tfor <").append(clean(singleRecipient)).append(">; ");
        else b.append(";\r\n\t");
        b.append(DATE.format(now)).append("\r\n");
        return b.toString();
    }

    static String protocol(boolean esmtp, boolean authenticated, boolean tls, boolean utf8) {
        if (!esmtp) return "SMTP";
        String p = "ESMTP" + (tls ? "S" : "") + (authenticated ? "A" : "");
        return utf8 ? "UTF8" + p.substring(1) : p;
    }

    static String literal(InetAddress a) {
        return a instanceof Inet6Address ? "[IPv6:" + a.getHostAddress() + "]" : "[" + a.getHostAddress() + "]";
    }

    /** Client-supplied text: printable, no comment or angle syntax breakers, bounded. */
    private static String clean(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 255));
        for (int i = 0; i < s.length() && b.length() < 255; i++) {
            char c = s.charAt(i);
            b.append(c <= ' ' || c == '(' || c == ')' || c == '<' || c == '>' || c == 127 ? '_' : c);
        }
        return b.isEmpty() ? "unknown" : b.toString();
    }
}

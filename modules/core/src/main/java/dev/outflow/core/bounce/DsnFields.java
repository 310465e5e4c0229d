package dev.outflow.core.bounce;

import dev.outflow.core.address.Domains;
import dev.outflow.core.delivery.RecipientResult;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Values of RFC 3464 fields, kept apart from the MIME assembly so the mapping rules are stated
 * (and tested) in one place. Stateless.
 */
final class DsnFields {
    /** RFC 5322 date-time with a numeric zone, e.g. {@code Tue, 3 Jun 2025 11:05:30 +0000}. */
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.US);
    /** RFC 3463 X.4.7: delivery time expired, for a recipient that never got a usable status. */
    static final String EXPIRED = "4.4.7";
    /** Longest diagnostic text kept; SMTP lines are at most 998 octets and folding needs room. */
    private static final int MAX_DIAGNOSTIC = 900;

    private DsnFields() {}

    static String date(Instant t, ZoneId zone) {
        return RFC5322.format(t.atZone(zone));
    }

    /**
     * The {@code Status} of a failed recipient.
     * <ul>
     * <li>Bounced now (5xx): the server's enhanced code; class 4 or 2 codes are moved to class 5
     *     (as Haraka's {@code convert_temp_failed_to_bounce}); none or malformed → {@code 5.0.0}.
     * <li>Expired (still temporary when retries ran out): the last temporary enhanced code, kept
     *     in class 4 as Postfix does, because RFC 3463 asks for "the code for the actual problem
     *     found" rather than X.4.7; none or malformed → {@code 4.4.7} (delivery time expired).
     * </ul>
     * Either way the recipient's {@code Action} is {@code failed}.
     */
    static String status(RecipientResult r, boolean expired) {
        String e = r.enhancedCode();
        if (!isEnhanced(e)) return expired ? EXPIRED : "5.0.0";
        if (expired) return e.charAt(0) == '4' ? e : '4' + e.substring(1);
        return e.charAt(0) == '5' ? e : '5' + e.substring(1);
    }

    /** {@code smtp; 550 5.1.1 text} when a server answered, else {@code X-Outflow; our explanation}. */
    static String diagnostic(RecipientResult r) {
        String type = r.code() > 0 ? "smtp; " : "X-Outflow; ";
        return type + oneLine(r.diagnostic(), MAX_DIAGNOSTIC);
    }

    /** Collapses CR/LF runs (multi-line replies) into "; " and caps the length. */
    static String oneLine(String s, int max) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        boolean lineBreak = false;
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n') {
                lineBreak = true;
                continue;
            }
            if (lineBreak && !sb.isEmpty()) sb.append("; ");
            lineBreak = false;
            sb.append(c < ' ' && c != '\t' ? ' ' : c);
        }
        return sb.toString().strip();
    }

    /** {@code class.subject.detail}: class 2, 4 or 5, then 1–3 digits, then 1–3 digits (RFC 3463). */
    static boolean isEnhanced(String e) {
        if (e == null || e.length() < 5 || e.charAt(1) != '.') return false;
        char cls = e.charAt(0);
        if (cls != '2' && cls != '4' && cls != '5') return false;
        int dot = e.indexOf('.', 2);
        return dot > 2 && dot <= 5 && digits(e, 2, dot) && e.length() - dot - 1 >= 1 && e.length() - dot - 1 <= 3
                && digits(e, dot + 1, e.length());
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /**
     * The routing domain of a DSN's recipient: the part after the last '@', lower-case A-label
     * ({@link Domains#toAscii}: UTS #46, so the DSN goes where the sender's own mail comes from).
     *
     * @throws IllegalArgumentException when the address has no domain or it is not a valid IDN
     */
    static String senderDomain(String sender) {
        int at = sender.lastIndexOf('@');
        if (at < 0 || at == sender.length() - 1) throw new IllegalArgumentException("sender <" + sender + "> has no domain");
        String domain = sender.substring(at + 1);
        if (domain.startsWith("[")) return domain.toLowerCase(Locale.ROOT); // address literal: no IDNA
        return Domains.toAscii(domain); // the same IDNA2008 mapping as delivery
    }
}

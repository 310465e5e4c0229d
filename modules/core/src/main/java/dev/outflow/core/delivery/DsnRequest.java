package dev.outflow.core.delivery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The delivery status notification options of RFC 3461 given at submission: {@code RET} and
 * {@code ENVID} of MAIL, {@code NOTIFY} and {@code ORCPT} of each RCPT. Carried with the message
 * to the MX (when it offers DSN) and obeyed by the DSNs Outflow writes itself. Immutable.
 *
 * @param ret           {@code FULL}, {@code HDRS} or null (not given: the full message)
 * @param envid         {@code ENVID} as given (xtext), or null
 * @param recipients    per recipient address (as in the envelope): its NOTIFY and ORCPT
 * @param delayNotified a delay DSN was already sent for this message part
 */
public record DsnRequest(String ret, String envid, Map<String, Recipient> recipients, boolean delayNotified) {
    /**
     * @param notifyOn {@code NEVER}, or a comma list of {@code SUCCESS}, {@code FAILURE}, {@code DELAY};
     *               null when not given (failures only)
     * @param orcpt  {@code addr-type;xtext} as given, or null
     */
    public record Recipient(String notifyOn, String orcpt) {}

    public DsnRequest {
        recipients = Map.copyOf(recipients);
    }

    /** Whether {@code rcpt} asked for a notice of this kind ({@code SUCCESS}, {@code FAILURE}, {@code DELAY}). */
    public static boolean wants(DsnRequest dsn, String rcpt, String kind) {
        Recipient r = dsn == null ? null : dsn.recipients.get(rcpt);
        if (r == null || r.notifyOn() == null) return kind.equals("FAILURE");
        return List.of(r.notifyOn().split(",")).contains(kind);
    }

    /** RET=HDRS: a DSN returns the header section only. */
    public boolean headersOnly() {
        return "HDRS".equals(ret);
    }

    /** The options of some recipients only (a domain part, the recipients left to retry). */
    public DsnRequest forRecipients(List<String> rcpts) {
        Map<String, Recipient> m = new LinkedHashMap<>();
        for (String r : rcpts) {
            Recipient x = recipients.get(r);
            if (x != null) m.put(r, x);
        }
        return new DsnRequest(ret, envid, m, delayNotified);
    }

    public DsnRequest withDelayNotified() {
        return new DsnRequest(ret, envid, recipients, true);
    }

    /** MAIL parameters to pass on: {@code " RET=HDRS ENVID=..."} or "". */
    public String mailParameters() {
        return (ret == null ? "" : " RET=" + ret) + (envid == null ? "" : " ENVID=" + envid);
    }

    /** RCPT parameters to pass on for {@code rcpt}: {@code " NOTIFY=... ORCPT=..."} or "". */
    public String rcptParameters(String rcpt) {
        Recipient r = recipients.get(rcpt);
        if (r == null) return "";
        return (r.notifyOn() == null ? "" : " NOTIFY=" + r.notifyOn()) + (r.orcpt() == null ? "" : " ORCPT=" + r.orcpt());
    }

    // --- parsing of the SMTP parameter values (RFC 3461 4.1-4.4); each throws IllegalArgumentException with the reason

    /** {@code NEVER} or a comma list of SUCCESS, FAILURE, DELAY; returned upper-case. */
    public static String parseNotify(String v) {
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("NOTIFY needs a value");
        String u = v.toUpperCase(Locale.ROOT);
        if (u.equals("NEVER")) return u;
        for (String part : u.split(",", -1)) {
            if (!part.equals("SUCCESS") && !part.equals("FAILURE") && !part.equals("DELAY")) {
                throw new IllegalArgumentException("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
            }
        }
        return u;
    }

    public static String parseRet(String v) {
        String u = v == null ? "" : v.toUpperCase(Locale.ROOT);
        if (!u.equals("FULL") && !u.equals("HDRS")) throw new IllegalArgumentException("RET must be FULL or HDRS");
        return u;
    }

    /** ENVID: xtext of at most 100 characters. */
    public static String parseEnvid(String v) {
        if (v == null || v.isEmpty() || v.length() > 100 || !isXtext(v)) throw new IllegalArgumentException("ENVID must be 1-100 characters of xtext");
        return v;
    }

    /** ORCPT: {@code addr-type;xtext}, e.g. {@code rfc822;alice+40example.com}. */
    public static String parseOrcpt(String v) {
        int semi = v == null ? -1 : v.indexOf(';');
        if (semi <= 0 || semi == v.length() - 1 || v.length() > 500 || !v.substring(0, semi).matches("[A-Za-z0-9-]+")
                || !isXtext(v.substring(semi + 1))) {
            throw new IllegalArgumentException("ORCPT must be addr-type;xtext");
        }
        return v;
    }

    /** Decodes xtext ({@code +HH} escapes) for the DSN's Original-Envelope-Id and Original-Recipient. */
    public static String decodeXtext(String x) {
        StringBuilder sb = new StringBuilder(x.length());
        for (int i = 0; i < x.length(); i++) {
            char c = x.charAt(i);
            if (c == '+' && i + 2 < x.length()) {
                sb.append((char) Integer.parseInt(x.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isXtext(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) return false;
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}

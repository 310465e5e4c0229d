package dev.outflow.core.smtp;

import java.util.List;

/**
 * One SMTP reply: the code, the RFC 3463 enhanced status code when the first line starts with
 * one (whether or not ENHANCEDSTATUSCODES was advertised), and the text of each line after the
 * code. Replies made up by the client (network errors, local checks) use {@link #local}; code 0
 * means no server answered. Immutable.
 *
 * @param code         three-digit reply code, 0 for a local failure without a server answer
 * @param enhancedCode e.g. {@code 5.1.1}, or null
 * @param lines        each line's text after {@code "250-"}/{@code "250 "}, at least one
 */
public record SmtpReply(int code, String enhancedCode, List<String> lines) {
    public SmtpReply {
        lines = List.copyOf(lines);
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply has at least one line");
    }

    /** A reply parsed from the server's lines (text after the code and separator). */
    public static SmtpReply of(int code, List<String> lines) {
        return new SmtpReply(code, enhancedCode(code, lines.get(0)), lines);
    }

    public static SmtpReply of(int code, String text) {
        return of(code, List.of(text));
    }

    /** A reply the client makes up: a local check (552 5.3.4) or a network failure (code 0). */
    public static SmtpReply local(int code, String enhancedCode, String text) {
        return new SmtpReply(code, enhancedCode, List.of(text));
    }

    public boolean isPositive() {
        return code >= 200 && code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500 && code < 600;
    }

    /** The text without code and enhanced code, lines joined with a space. */
    public String text() {
        if (lines.size() == 1) return strip(lines.get(0));
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(strip(l));
        }
        return sb.toString();
    }

    /** Text with the enhanced code, as Haraka reports a response: {@code 2.0.0 Ok: queued as X}. */
    public String response() {
        return enhancedCode == null ? text() : enhancedCode + " " + text();
    }

    private String strip(String line) {
        if (enhancedCode == null || !line.startsWith(enhancedCode)) return line;
        int n = enhancedCode.length();
        return line.length() > n && line.charAt(n) == ' ' ? line.substring(n + 1) : line.substring(n);
    }

    /**
     * The enhanced status code at the start of a reply text ({@code class.subject.detail}, RFC
     * 3463), or null. Its class must match the reply code's first digit.
     */
    static String enhancedCode(int code, String text) {
        int n = text.length();
        if (n < 5) return null;
        char c = text.charAt(0);
        if ((c != '2' && c != '4' && c != '5') || c - '0' != code / 100 || text.charAt(1) != '.') return null;
        int i = digits(text, 2, 3);
        if (i < 0 || i >= n || text.charAt(i) != '.') return null;
        int j = digits(text, i + 1, 3);
        if (j < 0 || (j < n && text.charAt(j) != ' ')) return null;
        return text.substring(0, j);
    }

    /** Index after 1..max digits starting at i, or -1. */
    private static int digits(String s, int i, int max) {
        int j = i;
        while (j < s.length() && j - i < max && s.charAt(j) >= '0' && s.charAt(j) <= '9') j++;
        return j == i ? -1 : j;
    }

    @Override
    public String toString() {
        return code == 0 ? response() : code + " " + response();
    }
}

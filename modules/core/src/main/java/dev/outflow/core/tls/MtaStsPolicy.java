package dev.outflow.core.tls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An MTA-STS policy (RFC 8461 section 3.2): the mode, the MX name patterns ({@code mx.example.com}
 * or {@code *.example.com}, a wildcard matching exactly one left-most label) and how long it may
 * be cached. Immutable.
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge) {
    /** RFC 8461 caps max_age at 31557600 seconds (one year). */
    public static final long MAX_AGE_LIMIT = 31_557_600L;

    public enum Mode { ENFORCE, TESTING, NONE }

    public MtaStsPolicy {
        mx = List.copyOf(mx);
    }

    /** Whether an MX host name matches one of the {@code mx} patterns (case-insensitive, trailing dot ignored). */
    public boolean matches(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        for (String p : mx) {
            if (p.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot + 1).equals(p.substring(2))) return true;
            } else if (h.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses the body of {@code /.well-known/mta-sts.txt}: {@code key: value} lines (CRLF or LF),
     * {@code version: STSv1}, {@code mode}, {@code max_age} and, unless the mode is none, at least
     * one {@code mx}. Unknown keys are ignored (section 3.2).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static MtaStsPolicy parse(String body) {
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String raw : body.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty()) continue;
            int colon = line.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("policy line without 'key: value': '" + line + "'");
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = value;
                case "mode" -> mode = switch (value) {
                    case "enforce" -> Mode.ENFORCE;
                    case "testing" -> Mode.TESTING;
                    case "none" -> Mode.NONE;
                    default -> throw new IllegalArgumentException("unknown policy mode '" + value + "'");
                };
                case "max_age" -> {
                    if (!value.matches("\\d{1,18}")) throw new IllegalArgumentException("max_age '" + value + "' is not a number of seconds");
                    maxAge = Math.min(Long.parseLong(value), MAX_AGE_LIMIT);
                }
                case "mx" -> {
                    String p = value.toLowerCase(Locale.ROOT);
                    if (p.isEmpty() || p.contains("*") && !(p.startsWith("*.") && p.indexOf('*', 1) < 0)) {
                        throw new IllegalArgumentException("bad mx pattern '" + value + "'");
                    }
                    mx.add(p.endsWith(".") ? p.substring(0, p.length() - 1) : p);
                }
                default -> { }
            }
        }
        if (!"STSv1".equals(version)) throw new IllegalArgumentException("version is " + (version == null ? "missing" : "'" + version + "'") + ", expected STSv1");
        if (mode == null) throw new IllegalArgumentException("mode is missing");
        if (maxAge == null) throw new IllegalArgumentException("max_age is missing");
        if (mode != Mode.NONE && mx.isEmpty()) throw new IllegalArgumentException("no mx pattern");
        return new MtaStsPolicy(mode, mx, Duration.ofSeconds(maxAge));
    }
}

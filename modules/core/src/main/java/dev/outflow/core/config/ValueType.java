package dev.outflow.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a configuration value is written and parsed. Each parser throws {@link IllegalArgumentException}
 * with a message meant for the operator; {@link ConfigKey#parse} adds the key name.
 */
public enum ValueType {
    STRING("text"),
    INT("integer"),
    LONG("integer"),
    BOOLEAN("true|false|1|0|yes|no"),
    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}; a bare number means seconds. */
    DURATION("duration like 500ms, 30s, 5m, 1h"),
    /** {@code 10485760}, {@code 512k}, {@code 10m}, {@code 1g} (powers of 1024). */
    SIZE("size like 65536, 512k, 10m"),
    /** Comma-separated, blanks trimmed, empty items dropped. */
    LIST("comma-separated list"),
    PATH("file or directory path"),
    /** {@code host:port}, {@code [::1]:port}. */
    HOST_PORT("host:port");

    private static final Pattern DURATION_RE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE_RE = Pattern.compile("(\\d+)\\s*([kmg])?b?");

    private final String form;

    ValueType(String form) {
        this.form = form;
    }

    /** What a valid value looks like, for error messages and {@code outflow config}. */
    public String form() {
        return form;
    }

    Object parse(String raw) {
        String v = raw.trim();
        return switch (this) {
            case STRING -> v;
            case INT -> parseInt(v);
            case LONG -> parseLong(v);
            case BOOLEAN -> parseBoolean(v);
            case DURATION -> parseDuration(v);
            case SIZE -> parseSize(v);
            case LIST -> v.isEmpty() ? List.of()
                    : Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            case PATH -> {
                if (v.isEmpty()) throw new IllegalArgumentException("empty path");
                yield Path.of(v);
            }
            case HOST_PORT -> HostPort.parse(v);
        };
    }

    private static int parseInt(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not an integer");
        }
    }

    private static long parseLong(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not an integer");
        }
    }

    private static boolean parseBoolean(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException("'" + v + "' is not a boolean (true or false)");
        };
    }

    /** Parses a duration in the config syntax; public because schedules and the CLI reuse it. */
    public static Duration parseDuration(String v) {
        Matcher m = DURATION_RE.matcher(v.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + v + "' is not a duration (e.g. 500ms, 30s, 5m, 1h, 1d)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static long parseSize(String v) {
        Matcher m = SIZE_RE.matcher(v.toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException("'" + v + "' is not a size (e.g. 65536, 512k, 10m)");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2);
        long mult = unit == null ? 1 : switch (unit) {
            case "k" -> 1024L;
            case "m" -> 1024L * 1024;
            default -> 1024L * 1024 * 1024;
        };
        return Math.multiplyExact(n, mult);
    }
}

package dev.outflow.core.retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How long to wait after each temporary failure, and when to give up: the value of
 * {@code outbound.temp_fail_intervals} in Haraka's syntax. Immutable and thread-safe.
 *
 * <h2>Syntax</h2>
 * Comma-separated items {@code <duration>[*<count>]}; blanks are ignored and case does not matter.
 * A duration is a whole number with unit {@code ms}, {@code s}, {@code m}, {@code h} or {@code d}
 * (a bare number means seconds, as in {@code ValueType.DURATION}); it must be more than 0 (Haraka's
 * 5-second minimum is not enforced, so tests can retry after {@code 200ms}).
 * {@code 1m, 5m*2, 1h*3} means 1m, 5m, 5m, 1h, 1h, 1h: six retries, then bounce.
 * {@code none} means no retry: the first temporary failure bounces. Empty or blank means the
 * default: {@code 2^(n+5)} seconds after the n-th failure, n = 1..12 (64 s, 128 s, … 131072 s ≈ 36 h;
 * about 72.8 h in total), exactly Haraka's default ({@code maxTempFailures = 13}).
 * Unlike Haraka, which logs a bad value and falls back to the default, a bad value is an error
 * ({@link IllegalArgumentException} naming the item), so config loading rejects it.
 *
 * <h2>Counting (Haraka's {@code temp_fail})</h2>
 * Haraka increments {@code num_failures} first, bounces when {@code num_failures > intervals.length},
 * and otherwise waits {@code intervals[num_failures - 1]}. Here {@code failures} is that
 * incremented count: the failures so far <em>including the one just seen</em>, so for a
 * {@code Delivery} with {@code attempt} earlier failures call {@code delayAfter(attempt + 1)} and
 * queue the retry with {@code attempt + 1}. With the default schedule {@code delayAfter(1)} is 64 s,
 * {@code delayAfter(12)} is 131072 s and {@code delayAfter(13)} is empty (bounce).
 *
 * <pre>{@code
 * RetrySchedule s = RetrySchedule.parse("1m, 5m*2");
 * s.delayAfter(1);   // Optional[PT1M]
 * s.delayAfter(3);   // Optional[PT5M]
 * s.delayAfter(4);   // Optional.empty(): give up, bounce
 * s.maxAttempts();   // 3
 * }</pre>
 *
 * <p>This package imports nothing from the rest of Outflow, so the config table can validate the
 * key with {@link #parse} without a package cycle; the duration grammar mirrors
 * {@code ValueType.parseDuration} (a test keeps the two in step).
 */
public final class RetrySchedule {
    /** Upper bound on the expanded list, so a typo like {@code 1s*100000000} cannot exhaust memory. */
    public static final int MAX_INTERVALS = 10_000;

    private static final int DEFAULT_FAILURES = 12;
    private static final RetrySchedule DEFAULT = defaultSchedule();
    private static final RetrySchedule NONE = new RetrySchedule(new Duration[0], "none");

    private final Duration[] intervals;
    private final String spec;

    private RetrySchedule(Duration[] intervals, String spec) {
        this.intervals = intervals;
        this.spec = spec;
    }

    /** Haraka's default: {@code 2^(n+5)} seconds after failure n, for n = 1..12. */
    public static RetrySchedule defaults() {
        return DEFAULT;
    }

    /** No retries: every temporary failure bounces. */
    public static RetrySchedule none() {
        return NONE;
    }

    /**
     * Parses {@code outbound.temp_fail_intervals}.
     *
     * @param spec the value; null, empty or blank gives {@link #defaults()}
     * @throws IllegalArgumentException naming the first bad item, e.g. {@code item 2 '5x': ...}
     */
    public static RetrySchedule parse(String spec) {
        if (spec == null) return DEFAULT;
        String compact = removeBlanks(spec).toLowerCase(Locale.ROOT);
        if (compact.isEmpty()) return DEFAULT;
        if (compact.equals("none")) return NONE;
        String[] items = compact.split(",", -1);
        List<Duration> out = new ArrayList<>();
        for (int i = 0; i < items.length; i++) {
            parseItem(items[i], i + 1, out);
        }
        return new RetrySchedule(out.toArray(Duration[]::new), String.join(", ", items));
    }

    /**
     * A supplier that follows a changing spec (a hot-reloaded config value) and parses it only when
     * it changes. A spec that fails to parse keeps the last good schedule (config loading already
     * rejects bad values; this only guards against a supplier that bypasses it). Thread-safe.
     */
    public static Supplier<RetrySchedule> following(Supplier<String> spec) {
        Objects.requireNonNull(spec);
        return new Supplier<>() {
            private volatile Parsed last = new Parsed(null, DEFAULT);

            @Override
            public RetrySchedule get() {
                String s = spec.get();
                Parsed p = last;
                if (Objects.equals(s, p.spec)) return p.schedule;
                try {
                    p = new Parsed(s, parse(s));
                } catch (IllegalArgumentException e) {
                    p = new Parsed(s, p.schedule);
                }
                last = p;
                return p.schedule;
            }
        };
    }

    private record Parsed(String spec, RetrySchedule schedule) {}

    /**
     * The wait before the next attempt, given the number of temporary failures so far including
     * the one just seen (1-based, Haraka's incremented {@code num_failures}).
     *
     * @return the delay, or empty when retries are used up and the recipients must bounce
     * @throws IllegalArgumentException when {@code failures < 1}
     */
    public Optional<Duration> delayAfter(int failures) {
        if (failures < 1) throw new IllegalArgumentException("failures must be 1 or more, was " + failures);
        return failures <= intervals.length ? Optional.of(intervals[failures - 1]) : Optional.empty();
    }

    /**
     * How many temporary failures are retried: the length of the interval list (12 by default,
     * 0 for {@code none}). A message is tried at most {@code maxAttempts() + 1} times.
     */
    public int maxAttempts() {
        return intervals.length;
    }

    /** The expanded list of delays, in order. */
    public List<Duration> intervals() {
        return List.of(intervals);
    }

    /** Sum of all delays: how long a message that keeps failing temporarily waits before bouncing. */
    public Duration total() {
        Duration t = Duration.ZERO;
        for (Duration d : intervals) t = t.plus(d);
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetrySchedule s && Arrays.equals(intervals, s.intervals);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(intervals);
    }

    /** The spec as parsed (blanks removed), {@code default} or {@code none}. */
    @Override
    public String toString() {
        return spec;
    }

    private static void parseItem(String item, int n, List<Duration> out) {
        if (item.isEmpty()) throw bad(n, item, "empty item (stray comma?)");
        int star = item.indexOf('*');
        String span = star < 0 ? item : item.substring(0, star);
        int count = 1;
        if (star >= 0) {
            String c = item.substring(star + 1);
            if (c.indexOf('*') >= 0) throw bad(n, item, "more than one '*'");
            if (c.isEmpty()) throw bad(n, item, "missing count after '*'");
            if (c.startsWith("-")) throw bad(n, item, "count must be at least 1");
            count = parseCount(c, n, item);
            if (count < 1) throw bad(n, item, "count must be at least 1");
        }
        if (span.isEmpty()) throw bad(n, item, "missing duration before '*'");
        Duration d = parseSpan(span, n, item);
        if (out.size() + (long) count > MAX_INTERVALS) {
            throw bad(n, item, "more than " + MAX_INTERVALS + " retries in total");
        }
        for (int k = 0; k < count; k++) out.add(d);
    }

    private static int parseCount(String c, int n, String item) {
        for (int i = 0; i < c.length(); i++) {
            if (c.charAt(i) < '0' || c.charAt(i) > '9') throw bad(n, item, "count '" + c + "' is not a whole number");
        }
        try {
            return Integer.parseInt(c);
        } catch (NumberFormatException e) {
            throw bad(n, item, "count '" + c + "' is too large");
        }
    }

    /** Same grammar as {@code ValueType.parseDuration}: digits, then ms|s|m|h|d or nothing (seconds). */
    private static Duration parseSpan(String span, int n, String item) {
        if (span.startsWith("-")) throw bad(n, item, "negative duration '" + span + "'");
        int i = 0;
        while (i < span.length() && span.charAt(i) >= '0' && span.charAt(i) <= '9') i++;
        if (i == 0) throw bad(n, item, "'" + span + "' is not a duration (e.g. 30s, 5m, 1h, 1d)");
        long v;
        try {
            v = Long.parseLong(span, 0, i, 10);
        } catch (NumberFormatException e) {
            throw bad(n, item, "'" + span + "' is too large");
        }
        Duration d;
        try {
            d = switch (span.substring(i)) {
                case "", "s" -> Duration.ofSeconds(v);
                case "ms" -> Duration.ofMillis(v);
                case "m" -> Duration.ofMinutes(v);
                case "h" -> Duration.ofHours(v);
                case "d" -> Duration.ofDays(v);
                default -> throw bad(n, item, "'" + span + "' is not a duration (e.g. 30s, 5m, 1h, 1d)");
            };
        } catch (ArithmeticException e) {
            throw bad(n, item, "'" + span + "' is too large");
        }
        if (d.isZero()) throw bad(n, item, "delay must be more than 0");
        return d;
    }

    private static IllegalArgumentException bad(int n, String item, String why) {
        return new IllegalArgumentException("temp_fail_intervals item " + n + " '" + item + "': " + why);
    }

    private static String removeBlanks(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isWhitespace(c)) sb.append(c);
        }
        return sb.toString();
    }

    private static RetrySchedule defaultSchedule() {
        Duration[] d = new Duration[DEFAULT_FAILURES];
        for (int n = 1; n <= DEFAULT_FAILURES; n++) d[n - 1] = Duration.ofSeconds(1L << (n + 5));
        return new RetrySchedule(d, "default");
    }
}

package dev.outflow.core.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * When one delivery attempt must be over, whatever the per-command timeouts allow: a server that
 * answers each command just before its timeout (a tarpit) would otherwise hold a delivery for
 * hours. Every wait of a session working for the attempt ends by this deadline; it is measured on
 * {@link System#nanoTime()}. Immutable.
 *
 * <pre>{@code
 * Deadline d = Deadline.after(Duration.ofMinutes(10), "outbound.transaction_timeout");
 * client.send(target, settings, envelope, content, d);
 * }</pre>
 */
public final class Deadline {
    /** No deadline: only the per-command timeouts apply. */
    public static final Deadline NONE = new Deadline(0, null, null);

    private final long atNanos;
    private final Duration budget;
    private final String name;

    private Deadline(long atNanos, Duration budget, String name) {
        this.atNanos = atNanos;
        this.budget = budget;
        this.name = name;
    }

    /**
     * A deadline {@code budget} from now.
     *
     * @param name what the limit is called in reports, e.g. the configuration key
     */
    public static Deadline after(Duration budget, String name) {
        if (budget.isNegative() || budget.isZero()) throw new IllegalArgumentException("budget must be positive");
        return new Deadline(System.nanoTime() + budget.toNanos(), budget, Objects.requireNonNull(name));
    }

    public boolean bounded() {
        return budget != null;
    }

    /** The {@link System#nanoTime()} value of the deadline; meaningless when not {@link #bounded()}. */
    long atNanos() {
        return atNanos;
    }

    /** Time left (zero once passed); {@code fallback} when unbounded or when it is shorter. */
    public Duration remainingOr(Duration fallback) {
        if (!bounded()) return fallback;
        long left = Math.max(0, atNanos - System.nanoTime());
        return left < fallback.toNanos() ? Duration.ofNanos(left) : fallback;
    }

    public boolean passed() {
        return bounded() && System.nanoTime() - atNanos >= 0;
    }

    /** E.g. {@code outbound.transaction_timeout (10m)}. */
    public String describe() {
        if (!bounded()) return "no deadline";
        return name + " (" + format(budget) + ")";
    }

    private static String format(Duration d) {
        if (d.toMillis() % 60_000 == 0) return d.toMinutes() + "m";
        if (d.toMillis() % 1000 == 0) return d.toSeconds() + "s";
        return d.toMillis() + "ms";
    }

    @Override
    public String toString() {
        return "Deadline[" + describe() + "]";
    }
}

package dev.outflow.core.intake;

/**
 * Answers whether a recipient is on the suppression list. {@link Intake} asks it for every
 * recipient of every channel, and the SMTP listener at RCPT, so that a suppressed address is
 * refused before anything is queued. The list itself lives outside core (a process follows the
 * compacted suppressions topic); this is the one question intake needs answered, without a
 * network call. Implementations are thread-safe and fast.
 */
@FunctionalInterface
public interface SuppressionCheck {
    /** Nothing is suppressed (no list, or {@code suppression.enabled=false}). */
    SuppressionCheck NONE = address -> null;

    /**
     * @param address a parsed recipient ({@code local@domain})
     * @return why the address is suppressed, e.g. {@code suppressed (bounce: 550 5.1.1 user unknown)}, or null
     */
    String refusal(String address);
}

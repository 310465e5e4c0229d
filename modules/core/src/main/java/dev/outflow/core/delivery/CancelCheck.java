package dev.outflow.core.delivery;

/**
 * Whether an operator cancelled a delivery ({@code outflow cancel}); asked by the {@link Deliverer}
 * before each attempt, so a cancelled message ends as DROPPED without a connection or a DSN. The
 * list lives outside core (a compacted topic each worker follows). Thread-safe and fast.
 */
@FunctionalInterface
public interface CancelCheck {
    CancelCheck NONE = d -> null;

    /** The reason (e.g. {@code cancelled by operator}) when {@code d} is cancelled, else null. */
    String cancelled(Delivery d);
}

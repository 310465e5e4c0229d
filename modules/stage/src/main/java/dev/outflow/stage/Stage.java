package dev.outflow.stage;

import java.time.Duration;
import java.util.Optional;

/**
 * The lifecycle every consuming stage of a process shares (worker, scheduler), so the app starts,
 * watches and stops them one way: {@link #start()}, then {@link #isReady()} once it holds
 * partitions of its consumer group, {@link #isRunning()} / {@link #failure()} for liveness, and
 * {@link #close()} to stop gracefully. Implementations are thread-safe.
 */
public interface Stage extends AutoCloseable {
    /** Starts consuming; returns once the stage runs (partitions may be assigned shortly after). */
    Stage start();

    /** True once the stage holds partitions of its consumer group. */
    boolean isReady();

    /** True from {@link #start()} until it is closed or stopped by an error. */
    boolean isRunning();

    /** The error that stopped the stage on its own, if any. */
    Optional<Throwable> failure();

    /**
     * Waits until the stage {@link #isReady() is ready}, stops running, or {@code timeout} passes.
     *
     * @return whether it is ready
     */
    default boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isReady()) {
            if (!isRunning() || System.nanoTime() - deadline > 0) return false;
            Thread.sleep(20); // partition assignment has no listener a caller could block on here
        }
        return true;
    }

    /** Stops gracefully: finishes or hands back work in flight, commits what completed, leaves the group. Idempotent. */
    @Override
    void close();
}

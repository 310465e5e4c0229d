package dev.outflow.core.smtp;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces I/O deadlines for many connections with one daemon thread, instead of a socket timeout
 * on every read: on JDK 21+ a timed read on a virtual thread arms and cancels a timer each time,
 * while a deadline here is one volatile write. Each tick the thread looks at every watched
 * connection and expires those whose deadline passed (the connection closes its socket, which
 * wakes the blocked reader or writer with an exception). Deadlines are therefore enforced with up
 * to one tick of lateness. Periodic tasks (pool eviction) run on the same tick and must be quick.
 * Used by both ends of SMTP: the client's sessions ({@link SmtpClient}) and the submission
 * listener's connections. Thread-safe.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    /** Something with a deadline. */
    public interface Guarded {
        /** {@link System#nanoTime()} deadline, or 0 for none. */
        long deadline();

        /** Called on each tick while the deadline is passed (until it moves or the thing is unwatched); must not block. */
        void expire();
    }

    private final Set<Guarded> watched = ConcurrentHashMap.newKeySet();
    private final List<Runnable> tasks = new CopyOnWriteArrayList<>();
    private final long tickNanos;
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts the watchdog's daemon thread, named {@code name}, checking every {@code tick}. */
    public Watchdog(String name, Duration tick) {
        this.tickNanos = tick.toNanos();
        if (tickNanos <= 0) throw new IllegalArgumentException("tick must be positive");
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    public void watch(Guarded g) {
        watched.add(g);
    }

    public void unwatch(Guarded g) {
        watched.remove(g);
    }

    /** Runs a quick task on every tick. */
    public void everyTick(Runnable task) {
        tasks.add(task);
    }

    public int watchedCount() {
        return watched.size();
    }

    private void loop() {
        while (running) {
            LockSupport.parkNanos(tickNanos);
            long now = System.nanoTime();
            for (Guarded g : watched) {
                long d = g.deadline();
                if (d != 0 && now - d >= 0) {
                    try {
                        g.expire();
                    } catch (RuntimeException e) {
                        log.warn("Expiring {} failed", g, e);
                    }
                }
            }
            for (Runnable t : tasks) {
                try {
                    t.run();
                } catch (RuntimeException e) {
                    log.warn("Watchdog task failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.outflow.submission.smtpd.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces the idle deadline of every open connection from one daemon thread, so reads need no
 * socket timeout (on virtual threads a timed read arms a timer per call). Checks a few times per
 * timeout period. A connection past its deadline is expired once; one still open a grace period
 * later is closed outright. Thread-safe.
 */
public final class Watchdog implements AutoCloseable {
    private static final long GRACE_NANOS = Duration.ofSeconds(5).toNanos();

    private final Set<SmtpConnection> connections = ConcurrentHashMap.newKeySet();
    private final long periodMillis;
    private final Thread thread;
    private volatile boolean running = true;

    public Watchdog(Duration timeout) {
        this.periodMillis = Math.max(20, Math.min(1000, timeout.toMillis() / 4));
        this.thread = Thread.ofPlatform().daemon().name("smtpd-watchdog").start(this::run);
    }

    void add(SmtpConnection c) {
        connections.add(c);
    }

    void remove(SmtpConnection c) {
        connections.remove(c);
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (SmtpConnection c : connections) {
                long d = c.deadline;
                if (d != Long.MAX_VALUE && now - d > 0) {
                    if (!c.expired()) c.expire();
                    else if (now - d > GRACE_NANOS) c.closeQuietly();
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}

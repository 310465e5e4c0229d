package dev.outflow.core.smtp;

import java.time.Clock;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * Idle SMTP/LMTP sessions kept for reuse, per {@link Target.Key} (address, port, protocol, local
 * address, TLS policy). A session comes back after a transaction unless it is broken or has
 * carried {@code maxMessages} transactions; it is closed (QUIT) once idle for {@code maxIdle}.
 * The most recently used session is handed out first, so surplus sessions age out. A pooled
 * session may have been closed by the server meanwhile: {@link SmtpClient} finds out at its first
 * command and reconnects. Thread-safe.
 */
public final class ConnectionPool implements AutoCloseable {
    private final Map<Target.Key, Deque<SmtpSession>> idle = new ConcurrentHashMap<>();
    private final Duration maxIdle;
    private final int maxMessages;
    private final Clock clock;
    private final AtomicLong lastSweep = new AtomicLong();
    private volatile boolean closed;
    /** Messages per connection by MX host name (traffic shaping); 0 means {@link #maxMessages}. */
    private volatile ToIntFunction<String> perHost = host -> 0;

    public ConnectionPool(Duration maxIdle, int maxMessages, Clock clock) {
        if (maxMessages < 1) throw new IllegalArgumentException("maxMessages must be at least 1");
        this.maxIdle = maxIdle;
        this.maxMessages = maxMessages;
        this.clock = clock;
    }

    /** An idle session for the key, or null. Expired or broken sessions found on the way are closed. */
    public SmtpSession acquire(Target.Key key) {
        Deque<SmtpSession> q = idle.get(key);
        if (q == null) return null;
        long now = clock.millis();
        SmtpSession s;
        while ((s = q.pollFirst()) != null) {
            if (!s.isBroken() && now - s.idleSince() < maxIdle.toMillis()) return s;
            retire(s);
        }
        return null;
    }

    /**
     * Sets a per-host limit of messages per connection (shaping rules' {@code per_connection}),
     * asked on every release with the target's host name; 0 from it means the pool's own limit.
     */
    public void perHostMaxMessages(ToIntFunction<String> limit) {
        this.perHost = java.util.Objects.requireNonNull(limit);
    }

    private int maxMessages(SmtpSession s) {
        int own = perHost.applyAsInt(s.target().host());
        return own > 0 ? own : maxMessages;
    }

    /** Takes a session back after use, or closes it (broken, used up, pool closed). */
    public void release(SmtpSession s) {
        if (closed || s.isBroken() || s.transactions() >= maxMessages(s) || maxIdle.isZero()) {
            s.close();
            return;
        }
        s.idleSince(clock.millis());
        Deque<SmtpSession> q = idle.computeIfAbsent(s.target().key(), k -> new ConcurrentLinkedDeque<>());
        q.offerFirst(s);
        // close() may have drained the pool between the check above and the offer
        if (closed && q.remove(s)) s.close();
    }

    /** Closes sessions idle for longer than {@code maxIdle}; at most once a second unless forced. */
    public void evictIdle(boolean force) {
        long now = clock.millis();
        long last = lastSweep.get();
        if (!force && now - last < 1000) return;
        if (!lastSweep.compareAndSet(last, now) && !force) return;
        for (Deque<SmtpSession> q : idle.values()) {
            for (SmtpSession s : q) {
                if ((s.isBroken() || now - s.idleSince() >= maxIdle.toMillis()) && q.removeFirstOccurrence(s)) {
                    Thread.startVirtualThread(() -> retire(s));
                }
            }
        }
    }

    private static void retire(SmtpSession s) {
        s.close();
    }

    /** Idle sessions now held. */
    public int idleCount() {
        int n = 0;
        for (Deque<SmtpSession> q : idle.values()) n += q.size();
        return n;
    }

    /** Closes every idle session; sessions released later are closed too. */
    @Override
    public void close() {
        closed = true;
        for (Deque<SmtpSession> q : idle.values()) {
            SmtpSession s;
            while ((s = q.pollFirst()) != null) s.close();
        }
    }
}

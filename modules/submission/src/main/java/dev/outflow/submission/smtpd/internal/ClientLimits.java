package dev.outflow.submission.smtpd.internal;

import dev.outflow.submission.smtpd.RelayNetworks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-client counters of the listener, like Postfix's anvil: connections open now and opened in the
 * last minute, and failed AUTH attempts in a window. A client is an IPv4 address, or an IPv6 /64
 * (one subscriber's usual allocation, so a client cannot dodge the limits by hopping addresses).
 * Clients in the relay networks are exempt from the connection limits, as Postfix's
 * {@code smtpd_client_event_limit_exceptions=$mynetworks}; the AUTH limit holds for everybody.
 *
 * <p>Memory is bounded by the clients seen recently: idle entries are swept every few thousand
 * connections. Thread-safe.
 */
public final class ClientLimits {
    private static final long MINUTE = 60_000;
    private static final int SWEEP_EVERY = 4096;
    /** A failed AUTH waits the base delay, doubled for each recent failure of its client, up to this factor. */
    private static final int MAX_DELAY_FACTOR = 16;

    private final int connectionLimit;
    private final int rateLimit;
    private final int authFailureLimit;
    private final long authWindowMillis;
    private final RelayNetworks exempt;
    private final Clock clock;
    private final Map<InetAddress, Client> clients = new ConcurrentHashMap<>();
    private final AtomicInteger admissions = new AtomicInteger();

    private static final class Client {
        int open;
        final ArrayDeque<Long> connects = new ArrayDeque<>();
        final ArrayDeque<Long> authFailures = new ArrayDeque<>();

        boolean idle(long now, long authWindow) {
            expire(connects, now - MINUTE);
            expire(authFailures, now - authWindow);
            return open == 0 && connects.isEmpty() && authFailures.isEmpty();
        }
    }

    /**
     * @param connectionLimit  concurrent connections per client, 0 = none
     * @param rateLimit        connections per minute per client, 0 = none
     * @param authFailureLimit failed AUTH attempts per client within {@code authWindow}
     */
    public ClientLimits(int connectionLimit, int rateLimit, int authFailureLimit, Duration authWindow, RelayNetworks exempt, Clock clock) {
        this.connectionLimit = connectionLimit;
        this.rateLimit = rateLimit;
        this.authFailureLimit = authFailureLimit;
        this.authWindowMillis = authWindow.toMillis();
        this.exempt = exempt;
        this.clock = clock;
    }

    /**
     * Counts a new connection from {@code ip}. Null when admitted (then {@link #release} it when it
     * ends); otherwise the reason to refuse it, for the 421 reply, and nothing is counted.
     */
    public String admit(InetAddress ip) {
        if (admissions.incrementAndGet() % SWEEP_EVERY == 0) sweep();
        if (exempt.contains(ip)) return null;
        long now = clock.millis();
        InetAddress k = key(ip);
        while (true) {
            Client c = clients.computeIfAbsent(k, x -> new Client());
            synchronized (c) {
                if (clients.get(k) != c) continue;          // swept meanwhile
                expire(c.connects, now - MINUTE);
                if (connectionLimit > 0 && c.open >= connectionLimit) return "too many connections";
                if (rateLimit > 0 && c.connects.size() >= rateLimit) return "too many connections";
                c.open++;
                if (rateLimit > 0) c.connects.addLast(now);
                return null;
            }
        }
    }

    /** A connection admitted by {@link #admit} ended. */
    public void release(InetAddress ip) {
        if (exempt.contains(ip)) return;
        Client c = clients.get(key(ip));
        if (c == null) return;
        synchronized (c) {
            if (c.open > 0) c.open--;
        }
    }

    /** True when the client used up its failed AUTH attempts: AUTH is refused without checking. */
    boolean authBlocked(InetAddress ip) {
        Client c = clients.get(key(ip));
        if (c == null) return false;
        synchronized (c) {
            expire(c.authFailures, clock.millis() - authWindowMillis);
            return c.authFailures.size() >= authFailureLimit;
        }
    }

    /**
     * Records a failed AUTH and answers how long to wait before replying: the base delay doubled
     * for each earlier failure of this client still in the window, at most 16 times the base.
     */
    Duration authFailed(InetAddress ip, Duration base) {
        long now = clock.millis();
        InetAddress k = key(ip);
        while (true) {
            Client c = clients.computeIfAbsent(k, x -> new Client());
            synchronized (c) {
                if (clients.get(k) != c) continue;          // swept meanwhile
                expire(c.authFailures, now - authWindowMillis);
                int earlier = c.authFailures.size();
                c.authFailures.addLast(now);
                return base.multipliedBy(Math.min(MAX_DELAY_FACTOR, 1L << Math.min(earlier, 5)));
            }
        }
    }

    /** Clients tracked now (for tests and metrics). */
    public int trackedClients() {
        return clients.size();
    }

    private void sweep() {
        long now = clock.millis();
        clients.forEach((ip, c) -> {
            synchronized (c) {
                if (c.idle(now, authWindowMillis)) clients.remove(ip, c);
            }
        });
    }

    private static void expire(ArrayDeque<Long> times, long before) {
        while (!times.isEmpty() && times.peekFirst() <= before) times.removeFirst();
    }

    /** IPv4 as is; IPv6 by its /64. */
    static InetAddress key(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) return ip;
        byte[] b = ip.getAddress();
        for (int i = 8; i < 16; i++) b[i] = 0;
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return ip;
        }
    }
}

package dev.outflow.core.mx.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.xbill.DNS.Name;

/**
 * Answers to DNS questions, kept for their TTL (positive: the records' TTL; negative: RFC 2308
 * SOA TTL; failures: a short fixed time), never longer than a maximum. A question being asked is
 * shared: concurrent callers wait on the same in-flight query instead of each sending one
 * (no thundering herd when a batch of messages for one domain arrives at once).
 *
 * <p>Time comes from the injected {@link Clock}, so tests expire entries without sleeping. A max
 * TTL of zero disables caching (in-flight sharing remains). The map is bounded: past
 * {@code maxEntries} expired entries are swept, and if most are still live the cache is emptied.
 * Thread-safe, lock-free apart from {@link ConcurrentHashMap}'s bins.
 */
public final class DnsCache {
    private final Clock clock;
    private final long maxTtlMillis;
    private final long failureTtlMillis;
    private final int maxEntries;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

    public DnsCache(Clock clock, Duration maxTtl, Duration failureTtl, int maxEntries) {
        if (maxTtl.isNegative() || failureTtl.isNegative()) throw new IllegalArgumentException("negative cache TTL");
        this.clock = clock;
        this.maxTtlMillis = maxTtl.toMillis();
        this.failureTtlMillis = Math.min(failureTtl.toMillis(), maxTtlMillis);
        this.maxEntries = maxEntries;
    }

    /**
     * The cached or in-flight answer to (name, type), or a new one from {@code query}, which is
     * called at most once per miss and must return a stage that completes normally.
     */
    public CompletableFuture<DnsAnswer> answer(Name name, int type, BiFunction<Name, Integer, CompletableFuture<DnsAnswer>> query) {
        Key key = new Key(name, type);
        long now = clock.millis();
        Entry cached = entries.get(key);
        if (cached != null && cached.usable(now)) return cached.answer;
        Entry mine = new Entry();
        Entry winner = entries.compute(key, (k, old) -> old != null && old.usable(now) ? old : mine);
        if (winner != mine) return winner.answer;
        if (entries.size() > maxEntries) sweep(now);
        CompletableFuture<DnsAnswer> asked;
        try {
            asked = query.apply(name, type);
        } catch (RuntimeException e) {
            asked = CompletableFuture.completedFuture(new DnsAnswer.Failure("error asking " + name + ": " + e, 0));
        }
        asked.whenComplete((a, err) -> settle(key, mine,
                err == null ? a : new DnsAnswer.Failure("error asking " + name + ": " + err, 0)));
        return mine.answer;
    }

    /** Number of entries, in flight or cached (expired ones included until swept). */
    public int size() {
        return entries.size();
    }

    /** Forgets everything (in-flight queries still complete for their waiters). */
    public void clear() {
        entries.clear();
    }

    private void settle(Key key, Entry entry, DnsAnswer answer) {
        long ttl = answer instanceof DnsAnswer.Failure ? failureTtlMillis : Math.min(maxTtlMillis, answer.ttlSeconds() * 1000);
        // Written before completing the future, so a reader that sees it done sees the expiry.
        entry.expiresAt = clock.millis() + ttl;
        entry.answer.complete(answer);
        if (ttl <= 0) entries.remove(key, entry);
    }

    private void sweep(long now) {
        entries.entrySet().removeIf(e -> !e.getValue().usable(now));
        // Mostly live entries: start over rather than sweep again on every insertion.
        if (entries.size() > maxEntries / 4 * 3) entries.clear();
    }

    private record Key(Name name, int type) {}

    private static final class Entry {
        final CompletableFuture<DnsAnswer> answer = new CompletableFuture<>();
        volatile long expiresAt;

        /** In flight, or answered and not yet expired. */
        boolean usable(long now) {
            return !answer.isDone() || now < expiresAt;
        }
    }
}

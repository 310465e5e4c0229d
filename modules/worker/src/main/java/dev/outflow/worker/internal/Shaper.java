package dev.outflow.worker.internal;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.intake.DomainShards;
import dev.outflow.core.shaping.RateWindow;
import dev.outflow.core.shaping.ShapingRule;
import dev.outflow.core.shaping.ShapingRules;
import dev.outflow.core.shaping.ShapingRulesException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-destination traffic shaping of one worker ({@code shaping.rules}, docs/shaping.md). A
 * destination is the key of the rule that applies to a domain: the domain's own rule, or the MX
 * suffix rule its MX host matches (so domains hosted at one provider share connections, rate and
 * back-off), or, without a rule, the domain itself with the worker's defaults. Where MX suffix
 * rules exist, a domain first seen is looked up (MX, on a virtual thread) and its records wait
 * for the answer; the MX each delivery reached then keeps it current. Without a lookup function,
 * the domain's first delivery runs alone (a probe) and is charged to the rule it turns out to
 * belong to.
 *
 * <p>A domain rule is divided by the domain's shard count ({@code outbound.domain_shards}): each
 * shard's partition belongs to one worker, so the shares add up to the rule for the cluster.
 *
 * <p>Rates: at most n deliveries in any window of the rate's unit ({@link RateWindow}). Back-off:
 * after {@code backoff_after} deliveries in a row answered 421 or 4.7.x, the destination is
 * suspended for {@code backoff}: nothing starts, and the poll loop parks its waiting records until
 * then (attempt unchanged).
 *
 * <p>Rules are hot: {@link #reloadIfChanged()} re-reads the file when its time or size changed; a
 * bad file keeps the rules in force and logs why. Thread-safe (one monitor, held briefly; the
 * dispatcher calls in under its own lock, never the other way round).
 */
public final class Shaper {
    private static final Logger log = LoggerFactory.getLogger(Shaper.class);
    private static final long RELOAD_CHECK_MILLIS = 1000;
    private static final int MAX_LEARNED = 100_000;

    /** State of one destination. */
    private static final class Destination {
        /** The last domain keyed here: which rule applies is asked again with it after a reload. */
        String domain;
        ShapingRule rule;
        RateWindow[] windows = new RateWindow[0];
        int throttledInARow;
        long suspendedUntil;
    }

    private final Path file;
    private final Clock clock;
    /** Domain → the name of its preferred MX host, or null (blocking; run on a virtual thread). Null: learn from deliveries. */
    private final Function<String, String> mxHostOf;
    /** Domains whose MX is being looked up: their records wait until the answer picks their rule. */
    private final Set<String> resolving = new HashSet<>();
    private final DomainShards shards;
    private final Map<String, Destination> destinations = new HashMap<>();
    /** Domain → MX host of its last delivery ("" when none was reached). */
    private final Map<String, String> learnedMx = new HashMap<>();
    /** MX host → the smallest per_connection of a domain rule whose domain was delivered there. */
    private final Map<String, Integer> perConnectionByHost = new HashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong suspensions = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong badReloads = new AtomicLong();
    private volatile ShapingRules rules;
    private long nextCheck;
    private long fileTime;
    private long fileSize;

    /** @param file the rules file, or null for the built-in defaults only */
    Shaper(ShapingRules rules, Path file, Clock clock, DomainShards shards, Function<String, String> mxHostOf) {
        this.mxHostOf = mxHostOf;
        this.rules = rules;
        this.file = file;
        this.clock = clock;
        this.shards = shards;
        if (file != null) {
            try {
                fileTime = Files.getLastModifiedTime(file).toMillis();
                fileSize = Files.size(file);
            } catch (IOException e) {
                fileTime = -1;
            }
        }
    }

    /**
     * The shaper of {@code shaping.rules} (empty: the built-in rules only), the file read now.
     *
     * @throws ConfigException naming the file and line of the first problem (exit 2 at start)
     */
    public static Shaper fromConfig(Config config, Clock clock, Function<String, String> mxHostOf) {
        String name = config.get(OutflowKeys.SHAPING_RULES).trim();
        Path file = name.isEmpty() ? null : Path.of(name);
        try {
            ShapingRules rules = file == null ? ShapingRules.defaults() : ShapingRules.load(file);
            return new Shaper(rules, file, clock, DomainShards.from(config), mxHostOf);
        } catch (ShapingRulesException e) {
            throw new ConfigException(OutflowKeys.SHAPING_RULES.name(), e.getMessage());
        }
    }

    /** Re-reads the rules file when it changed; at most once a second. Poll thread. */
    void reloadIfChanged() {
        if (file == null) return;
        long now = System.currentTimeMillis();
        if (now < nextCheck) return;
        nextCheck = now + RELOAD_CHECK_MILLIS;
        long time;
        long size;
        try {
            time = Files.getLastModifiedTime(file).toMillis();
            size = Files.size(file);
        } catch (IOException e) {
            if (fileTime != -1) log.warn("Shaping rules {} cannot be read ({}); keeping the rules in force", file, e.toString());
            fileTime = -1;
            return;
        }
        if (time == fileTime && size == fileSize) return;
        fileTime = time;
        fileSize = size;
        try {
            ShapingRules fresh = ShapingRules.load(file);
            rules = fresh;
            refresh();
            reloads.incrementAndGet();
            log.info("Shaping rules reloaded: {}", fresh);
        } catch (ShapingRulesException e) {
            badReloads.incrementAndGet();
            log.warn("Shaping rules not reloaded, keeping the rules in force: {}", e.getMessage());
        }
    }

    /**
     * Applies new rules to the destinations known: a changed rule starts with fresh rate windows;
     * a destination whose rule is gone (or now falls under another) is forgotten, suspension included.
     */
    private synchronized void refresh() {
        for (var it = destinations.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Destination> e = it.next();
            Destination d = e.getValue();
            ShapingRule r = ruleOf(d.domain);
            if (r == null || !r.match().equals(e.getKey())) {
                it.remove();
                continue;
            }
            ShapingRule effective = r.mxSuffix() ? r : r.divided(shards.shardCount(d.domain));
            if (!effective.equals(d.rule)) {
                d.rule = effective;
                d.windows = windows(effective);
            }
        }
    }

    /** The destination key of a domain now (its rule's match, or the domain itself). */
    synchronized String keyOf(String domain) {
        if (mxHostOf != null && rules.hasSuffixRules() && !learnedMx.containsKey(domain) && resolving.add(domain)) {
            Thread.ofVirtual().name("outflow-shaping-mx").start(() -> resolved(domain, lookup(domain)));
        }
        ShapingRule r = ruleOf(domain);
        String key = r == null ? domain : r.match();
        if (r == null) {
            destinations.remove(key); // a rule removed by a reload
            return key;
        }
        Destination d = destinations.get(key);
        ShapingRule effective = r.mxSuffix() ? r : r.divided(shards.shardCount(domain));
        if (d == null) {
            d = new Destination();
            destinations.put(key, d);
        }
        d.domain = domain;
        if (!effective.equals(d.rule)) {
            d.rule = effective;
            d.windows = windows(effective);
        }
        return key;
    }

    private String lookup(String domain) {
        try {
            return mxHostOf.apply(domain);
        } catch (RuntimeException e) {
            log.debug("MX lookup of {} for shaping failed: {}", domain, e.toString());
            return null;
        }
    }

    private synchronized void resolved(String domain, String host) {
        resolving.remove(domain);
        if (learnedMx.size() >= MAX_LEARNED) learnedMx.clear();
        learnedMx.putIfAbsent(domain, host == null ? "" : host.toLowerCase(java.util.Locale.ROOT));
    }

    /** True while the domain's MX is being looked up (its records wait for their rule). */
    synchronized boolean resolving(String domain) {
        return resolving.contains(domain);
    }

    private ShapingRule ruleOf(String domain) {
        return rules.find(domain, learnedMx.get(domain));
    }

    private static RateWindow[] windows(ShapingRule r) {
        if (r == null) return new RateWindow[0];
        RateWindow[] w = new RateWindow[r.rates().size()];
        for (int i = 0; i < w.length; i++) w[i] = new RateWindow(r.rates().get(i).count(), r.rates().get(i).per().toMillis());
        return w;
    }

    /**
     * Deliveries a destination may have in progress: its rule's connections, else {@code dflt};
     * 1 for a domain whose MX is still to be learned while MX suffix rules exist.
     */
    synchronized int maxConnections(String key, int dflt) {
        Destination d = destinations.get(key);
        if (d != null) return d.rule.maxConnections() > 0 ? d.rule.maxConnections() : dflt;
        if (mxHostOf == null && rules.hasSuffixRules() && !learnedMx.containsKey(key)) return 1;
        return dflt;
    }

    /**
     * Takes a rate token for one delivery to a destination: false while it is suspended or its
     * rate is spent (the caller holds the job back; {@code firstRefusal} counts it once as held).
     */
    synchronized boolean tryStart(String key, boolean firstRefusal) {
        if (resolving.contains(key)) return false;
        if (!key.startsWith("*.")) {
            // queued under its domain before its MX picked a suffix rule: wait to be moved under that rule
            ShapingRule now = ruleOf(key);
            if (now != null && !now.match().equals(key)) return false;
        }
        Destination d = destinations.get(key);
        if (d == null) return true;
        long now = clock.millis();
        if (d.suspendedUntil > now) return false;
        for (RateWindow w : d.windows) {
            if (w.waitMillis(now) > 0) {
                if (firstRefusal) held.incrementAndGet();
                return false;
            }
        }
        for (RateWindow w : d.windows) w.charge(now);
        return true;
    }

    /** When a suspended destination may be tried again; null when it is not suspended. */
    synchronized Instant suspendedUntil(String key) {
        Destination d = destinations.get(key);
        return d == null || d.suspendedUntil <= clock.millis() ? null : Instant.ofEpochMilli(d.suspendedUntil);
    }

    /** The time between deliveries at a destination's tightest rate, in ns; 0 when it has no rate. */
    synchronized long rateGapNanos(String key) {
        Destination d = destinations.get(key);
        if (d == null) return 0;
        long gap = 0;
        for (RateWindow w : d.windows) gap = Math.max(gap, w.gapMillis());
        return gap * 1_000_000;
    }

    /**
     * Learns from a delivery to {@code domain}, started under {@code key}: the MX it reached (a
     * probe's delivery is charged to the rule it turns out to belong to) and whether the MX is
     * throttling (421 / 4.7.x), which suspends the destination after enough in a row. Delivery threads.
     */
    synchronized void observe(String domain, String key, DeliveryResult r) {
        if (learnedMx.size() >= MAX_LEARNED) {
            learnedMx.clear();
            perConnectionByHost.clear();
        }
        String host = r.host() == null ? "" : r.host().toLowerCase(java.util.Locale.ROOT);
        // an attempt that reached no MX (DNS failure, refused connections) says nothing about the rule
        if (!host.isEmpty() || !learnedMx.containsKey(domain)) learnedMx.put(domain, host);
        String now = keyOf(domain);
        Destination d = destinations.get(now);
        if (d == null) return;
        if (d.rule.maxPerConnection() > 0 && !d.rule.mxSuffix() && !host.isEmpty()) {
            perConnectionByHost.merge(host, d.rule.maxPerConnection(), Math::min);
        }
        long t = clock.millis();
        if (!now.equals(key)) for (RateWindow w : d.windows) w.charge(t);
        if (d.rule.backoffAfter() == 0) return;
        boolean delivered = false;
        boolean throttled = false;
        for (RecipientResult rr : r.recipients()) {
            if (rr.status() == RecipientResult.Status.DELIVERED) delivered = true;
            if (rr.status() == RecipientResult.Status.DEFERRED && throttling(rr)) throttled = true;
        }
        if (delivered) {
            d.throttledInARow = 0;
        } else if (throttled && ++d.throttledInARow >= d.rule.backoffAfter()) {
            d.throttledInARow = 0;
            d.suspendedUntil = t + d.rule.backoff().toMillis();
            suspensions.incrementAndGet();
            log.warn("Destination {} suspended for {} after {} throttling replies in a row (last: {} {})", now,
                    d.rule.backoff(), d.rule.backoffAfter(), r.recipients().getFirst().code(), r.recipients().getFirst().response());
        }
    }

    private static boolean throttling(RecipientResult rr) {
        return rr.code() == 421 || (rr.enhancedCode() != null && rr.enhancedCode().startsWith("4.7."));
    }

    /** Messages over one connection to an MX host: its rule's {@code per_connection}, else 0 (the pool's default). */
    public int maxPerConnection(String mxHost) {
        ShapingRule r = rules.find("", mxHost);
        if (r != null && r.maxPerConnection() > 0) return r.maxPerConnection();
        synchronized (this) {
            return perConnectionByHost.getOrDefault(mxHost.toLowerCase(java.util.Locale.ROOT), 0);
        }
    }

    /** Destinations suspended now. */
    public synchronized int suspendedNow() {
        long now = clock.millis();
        int n = 0;
        for (Destination d : destinations.values()) if (d.suspendedUntil > now) n++;
        return n;
    }

    /** Deliveries held back by a rate at least once. */
    public long held() {
        return held.get();
    }

    /** Times a destination was suspended. */
    public long suspensions() {
        return suspensions.get();
    }

    /** Rules files read again after a change, and those refused (the rules in force were kept). */
    long reloads() {
        return reloads.get();
    }

    long badReloads() {
        return badReloads.get();
    }

    ShapingRules rules() {
        return rules;
    }
}

package dev.outflow.core.mx;

import dev.outflow.core.address.Domains;
import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.mx.internal.DnsAnswer;
import dev.outflow.core.mx.internal.DnsCache;
import dev.outflow.core.mx.internal.DnsQuery;
import dev.outflow.core.mx.internal.DnsResolvers;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link MxLookup} over DNS (dnsjava), with its own cache.
 *
 * <p>Rules, in order:
 * <ul>
 *   <li>MX records sorted by preference; equal preferences shuffled on every lookup (RFC 5321 5.1),
 *       so load spreads over equal hosts.</li>
 *   <li>A single {@code MX 0 .} is a null MX (RFC 7505): permanent failure 556 5.1.10.</li>
 *   <li>NXDOMAIN: permanent failure 550 5.1.2. SERVFAIL, REFUSED, timeout, network error:
 *       temporary failure 451 4.4.3.</li>
 *   <li>No MX but the name exists: the implicit MX is the domain itself (its A/AAAA records). No
 *       MX and no address either: permanent failure 550 5.1.2.</li>
 *   <li>Addresses of each exchange: with IPv6 enabled, AAAA first then A (both asked at once; the
 *       deliverer falls back to the IPv4 addresses when IPv6 ones fail); with IPv6 disabled only A
 *       is asked and AAAA records are ignored, so a v6-only host counts as having no address.</li>
 *   <li>Exchanges without an address are skipped. If no exchange has one, the failure is temporary
 *       (451 4.4.3, as Postfix does: a broken MX host is often fixed soon).</li>
 *   <li>IP-literal exchanges and domain literals ({@code [192.0.2.1]}) need no lookup;
 *       {@code localhost} is the loopback address (RFC 6761) without asking DNS.</li>
 * </ul>
 *
 * <p>Every DNS answer (positive, NXDOMAIN/NODATA, and failures for a short
 * {@link #DEFAULT_FAILURE_TTL}) is cached per (name, type) for its TTL, never longer than the max
 * cache TTL, on the injected {@link Clock}; concurrent lookups of one name share one query. dnsjava's
 * {@code Lookup} (with its global cache) is not used: queries go straight to the injected
 * {@link Resolver}.
 *
 * <p>Thread-safe; meant to be shared by all delivery threads (virtual threads block in
 * {@link #lookup} while the query is out). Never throws for DNS problems: they are
 * {@link MxLookupResult.Failed}.
 */
public final class MxResolver implements MxLookup {
    /** How long SERVFAIL/timeouts are remembered, so a batch for a broken domain waits only once. */
    public static final Duration DEFAULT_FAILURE_TTL = Duration.ofSeconds(10);
    private static final int MAX_CACHE_ENTRIES = 100_000;
    private static final Comparator<Target> BY_PRIORITY = Comparator.comparingInt(t -> t.route.priority());

    private final boolean ipv6Enabled;
    private final DnsQuery query;
    private final DnsCache cache;

    /**
     * @param resolver    where questions go (a {@code SimpleResolver}, or a fake in tests)
     * @param ipv6Enabled ask AAAA and put those addresses first
     * @param clock       cache time
     * @param maxCacheTtl upper bound of any cached answer; zero disables the cache
     */
    public MxResolver(Resolver resolver, boolean ipv6Enabled, Clock clock, Duration maxCacheTtl) {
        this(resolver, ipv6Enabled, clock, maxCacheTtl, DEFAULT_FAILURE_TTL);
    }

    /** As above, with how long temporary DNS failures are cached (bounded by {@code maxCacheTtl}). */
    public MxResolver(Resolver resolver, boolean ipv6Enabled, Clock clock, Duration maxCacheTtl, Duration failureTtl) {
        this.ipv6Enabled = ipv6Enabled;
        this.query = new DnsQuery(resolver);
        this.cache = new DnsCache(clock, maxCacheTtl, failureTtl, MAX_CACHE_ENTRIES);
    }

    /**
     * A resolver for {@code dns.servers} (empty: the system's), {@code dns.timeout},
     * {@code dns.cache_max_ttl} and {@code outbound.ipv6_enabled}, on the system clock.
     *
     * @throws ConfigException when a {@code dns.servers} entry is not {@code ip} or {@code ip:port}
     */
    public static MxResolver fromConfig(Config config) {
        Resolver resolver;
        try {
            resolver = DnsResolvers.create(config.get(OutflowKeys.DNS_SERVERS), config.get(OutflowKeys.DNS_TIMEOUT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(OutflowKeys.DNS_SERVERS.name(), e.getMessage());
        }
        return new MxResolver(resolver, config.get(OutflowKeys.IPV6_ENABLED), Clock.systemUTC(),
                config.get(OutflowKeys.DNS_CACHE_MAX_TTL));
    }

    @Override
    public MxLookupResult lookup(String domain) {
        String ascii;
        try {
            ascii = Domains.toAscii(withoutRootDot(domain));
        } catch (InvalidAddressException e) {
            return permanent(550, "5.1.2", "Bad destination domain " + quote(domain) + ": " + e.reason());
        }
        if (Domains.isLiteral(ascii)) {
            InetAddress literal = Domains.literalAddress(ascii);
            MxRoute route = MxRoute.of(0, literal.getHostAddress());
            return new MxLookupResult.Found(List.of(new MxHost(route, List.of(literal))));
        }
        Name name = toName(ascii);
        if (name == null) return permanent(550, "5.1.2", "Bad destination domain " + quote(domain));
        DnsAnswer mx = cache.answer(name, Type.MX, query::ask).join();
        return switch (mx) {
            case DnsAnswer.Failure f -> temporary("DNS lookup of MX for " + ascii + " failed: " + f.reason());
            case DnsAnswer.NxDomain n -> permanent(550, "5.1.2", "Domain " + ascii + " does not exist (NXDOMAIN)");
            case DnsAnswer.NoData n -> implicitMx(ascii, name);
            case DnsAnswer.Records r -> explicitMx(ascii, r.records());
        };
    }

    @Override
    public MxLookupResult resolve(List<MxRoute> routes) {
        if (routes.isEmpty()) return temporary("get_mx gave no route");
        List<Target> targets = new ArrayList<>(routes.size());
        for (MxRoute route : routes) targets.add(target(route));
        List<Resolved> resolved = resolveAll(targets);
        return found(resolved, "None of the routes " + describeRoutes(routes) + " has an address");
    }

    private MxLookupResult explicitMx(String domain, List<Record> records) {
        List<Target> targets = new ArrayList<>(records.size());
        for (Record r : records) {
            MXRecord mx = (MXRecord) r;
            // A "." target inside a larger MX set is malformed (RFC 7505 3): skip it, keep the others.
            if (!mx.getTarget().equals(Name.root)) targets.add(dnsTarget(mx.getPriority(), mx.getTarget()));
        }
        if (targets.isEmpty()) {
            return permanent(556, "5.1.10", "Domain " + domain + " does not accept mail (null MX, RFC 7505)");
        }
        targets.sort(BY_PRIORITY);
        shuffleEqualPriorities(targets);
        return found(resolveAll(targets), "No MX host of " + domain + " has an address");
    }

    private MxLookupResult implicitMx(String domain, Name name) {
        Resolved r = addresses(new Target(MxRoute.of(0, domain), name, null, null)).join();
        if (!r.addresses.isEmpty()) return new MxLookupResult.Found(List.of(new MxHost(r.route, r.addresses)));
        if (r.failure != null) return temporary("DNS lookup of the address of " + domain + " (no MX) failed: " + r.failure);
        return permanent(550, "5.1.2", "Domain " + domain + " has no MX and no " + (ipv6Enabled ? "A or AAAA" : "A") + " record");
    }

    private MxLookupResult found(List<Resolved> resolved, String noneMessage) {
        List<MxHost> hosts = new ArrayList<>(resolved.size());
        String firstFailure = null;
        for (Resolved r : resolved) {
            if (!r.addresses.isEmpty()) hosts.add(new MxHost(r.route, r.addresses));
            else if (firstFailure == null && r.failure != null) firstFailure = r.failure;
        }
        if (!hosts.isEmpty()) return new MxLookupResult.Found(hosts);
        return temporary(firstFailure == null ? noneMessage : noneMessage + " (" + firstFailure + ")");
    }

    private List<Resolved> resolveAll(List<Target> targets) {
        // All exchanges are asked at once: a lookup costs one round trip, not one per MX host.
        List<CompletableFuture<Resolved>> pending = new ArrayList<>(targets.size());
        for (Target t : targets) pending.add(addresses(t));
        List<Resolved> out = new ArrayList<>(targets.size());
        for (CompletableFuture<Resolved> f : pending) out.add(f.join());
        return out;
    }

    private CompletableFuture<Resolved> addresses(Target t) {
        if (t.fixed != null) return CompletableFuture.completedFuture(new Resolved(t.route, t.fixed, t.problem));
        CompletableFuture<DnsAnswer> v4 = cache.answer(t.name, Type.A, query::ask);
        if (!ipv6Enabled) return v4.thenApply(a -> combine(t.route, null, a));
        CompletableFuture<DnsAnswer> v6 = cache.answer(t.name, Type.AAAA, query::ask);
        return v6.thenCombine(v4, (six, four) -> combine(t.route, six, four));
    }

    private static Resolved combine(MxRoute route, DnsAnswer six, DnsAnswer four) {
        List<InetAddress> addresses = new ArrayList<>(4);
        String failure = null;
        for (DnsAnswer a : six == null ? List.of(four) : List.of(six, four)) {
            if (a instanceof DnsAnswer.Records r) {
                for (Record rec : r.records()) {
                    if (rec instanceof AAAARecord aaaa) addresses.add(aaaa.getAddress());
                    else if (rec instanceof ARecord ar) addresses.add(ar.getAddress());
                }
            } else if (a instanceof DnsAnswer.Failure f && failure == null) {
                failure = f.reason();
            }
        }
        return new Resolved(route, addresses, failure);
    }

    private Target dnsTarget(int priority, Name exchange) {
        String host = exchange.toString(true).toLowerCase(Locale.ROOT);
        MxRoute route = MxRoute.of(priority, host);
        List<InetAddress> fixed = fixedAddresses(host);
        return new Target(route, exchange, fixed, null);
    }

    private Target target(MxRoute route) {
        List<InetAddress> fixed = fixedAddresses(route.exchange());
        if (fixed != null) return new Target(route, null, fixed, null);
        Name name = null;
        try {
            name = toName(Domains.toAscii(withoutRootDot(route.exchange())));
        } catch (InvalidAddressException e) {
            // reported below
        }
        if (name == null) return new Target(route, null, List.of(), "bad host name " + quote(route.exchange()));
        return new Target(route, name, null, null);
    }

    /** Addresses known without DNS: IP literals and localhost; null when DNS must be asked. */
    private List<InetAddress> fixedAddresses(String host) {
        InetAddress ip = Domains.parseIp(host);
        if (ip != null) return List.of(ip);
        if (host.equalsIgnoreCase("localhost") || host.equalsIgnoreCase("localhost.")) {
            InetAddress v4 = InetAddress.getLoopbackAddress();
            InetAddress v6 = Domains.parseIp("::1");
            return ipv6Enabled ? List.of(v6, v4) : List.of(v4);
        }
        return null;
    }

    private static void shuffleEqualPriorities(List<Target> sorted) {
        int start = 0;
        for (int i = 1; i <= sorted.size(); i++) {
            if (i == sorted.size() || sorted.get(i).route.priority() != sorted.get(start).route.priority()) {
                if (i - start > 1) Collections.shuffle(sorted.subList(start, i), ThreadLocalRandom.current());
                start = i;
            }
        }
    }

    private static Name toName(String ascii) {
        try {
            return Name.fromString(ascii, Name.root);
        } catch (TextParseException e) {
            return null;
        }
    }

    private static String withoutRootDot(String domain) {
        return domain != null && domain.length() > 1 && domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    }

    private static String describeRoutes(List<MxRoute> routes) {
        StringBuilder b = new StringBuilder();
        for (MxRoute r : routes) b.append(b.isEmpty() ? "" : ", ").append(r.exchange());
        return b.toString();
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    private static MxLookupResult permanent(int code, String enhanced, String message) {
        return new MxLookupResult.Failed(true, code, enhanced, message);
    }

    private static MxLookupResult temporary(String message) {
        return new MxLookupResult.Failed(false, 451, "4.4.3", message);
    }

    /** Where to look: a DNS name, or addresses known already ({@code fixed}), or a problem. */
    private record Target(MxRoute route, Name name, List<InetAddress> fixed, String problem) {}

    /** A route with its addresses (AAAA first when IPv6 is on) and the first temporary failure seen. */
    private record Resolved(MxRoute route, List<InetAddress> addresses, String failure) {}
}

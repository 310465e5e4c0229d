package dev.outflow.core.delivery;

import dev.outflow.core.mx.MxHost;
import dev.outflow.core.mx.MxLookup;
import dev.outflow.core.mx.MxLookupResult;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.testkit.smtp.FakeMx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake {@link MxLookup} (the edge of the world: DNS) answering from tables: MX hosts per domain,
 * addresses per host name for get_mx routes. Unknown domains answer NXDOMAIN (550 5.1.2).
 */
final class StaticMxLookup implements MxLookup {
    private final Map<String, MxLookupResult> domains = new HashMap<>();
    private final Map<String, InetAddress> names = new HashMap<>();
    final List<String> lookups = new CopyOnWriteArrayList<>();
    final List<List<MxRoute>> resolved = new CopyOnWriteArrayList<>();

    static StaticMxLookup of(String domain, MxHost... hosts) {
        return new StaticMxLookup().domain(domain, hosts);
    }

    StaticMxLookup domain(String domain, MxHost... hosts) {
        domains.put(domain, new MxLookupResult.Found(List.of(hosts)));
        return this;
    }

    StaticMxLookup failing(String domain, MxLookupResult.Failed failure) {
        domains.put(domain, failure);
        return this;
    }

    StaticMxLookup name(String host, String ip) {
        names.put(host, ip(ip));
        return this;
    }

    @Override
    public MxLookupResult lookup(String domain) {
        lookups.add(domain);
        return domains.getOrDefault(domain, new MxLookupResult.Failed(true, 550, "5.1.2", "domain " + domain + " does not exist"));
    }

    @Override
    public MxLookupResult resolve(List<MxRoute> routes) {
        resolved.add(routes);
        List<MxHost> hosts = new ArrayList<>();
        for (MxRoute r : routes) {
            InetAddress a = names.get(r.exchange());
            if (a == null && (Character.isDigit(r.exchange().charAt(0)) || r.exchange().contains(":"))) a = ip(r.exchange());
            hosts.add(new MxHost(r, a == null ? List.of() : List.of(a)));
        }
        return new MxLookupResult.Found(hosts);
    }

    /** An MX host at a fake server's address and port. */
    static MxHost host(int preference, String name, FakeMx mx) {
        return new MxHost(new MxRoute(preference, name, mx.port(), null, false), List.of(mx.address()));
    }

    static MxHost host(int preference, String name, String ip, int port) {
        return new MxHost(new MxRoute(preference, name, port, null, false), List.of(ip(ip)));
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}

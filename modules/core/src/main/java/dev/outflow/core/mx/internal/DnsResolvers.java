package dev.outflow.core.mx.internal;

import dev.outflow.core.address.Domains;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;

/**
 * Builds the dnsjava {@link Resolver} for {@code dns.servers} / {@code dns.timeout}: one server
 * is a {@link SimpleResolver} with the whole timeout; several (or the system's, when none is
 * configured) are a {@link FailoverResolver} trying them in order, once each, splitting the
 * timeout between them so that one question never takes much longer than {@code dns.timeout}.
 */
public final class DnsResolvers {
    private static final int DNS_PORT = 53;
    private static final Duration MIN_PER_SERVER = Duration.ofMillis(100);

    private DnsResolvers() {}

    /**
     * @param servers {@code ip} or {@code ip:port} ({@code [v6]:port}, or a bare IPv6 address);
     *                empty for the system resolver configuration
     * @throws IllegalArgumentException naming the bad entry (host names are refused: resolving
     *                                  the DNS server itself through DNS would be circular)
     */
    public static Resolver create(List<String> servers, Duration timeout) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String s : servers) {
            if (!s.isBlank()) addresses.add(parseServer(s.trim()));
        }
        if (addresses.isEmpty()) addresses.addAll(ResolverConfig.getCurrentConfig().servers());
        if (addresses.isEmpty()) throw new IllegalArgumentException("no DNS server configured and none found in the system configuration");
        if (addresses.size() == 1) return simple(addresses.get(0), timeout);
        Duration each = timeout.dividedBy(addresses.size());
        if (each.compareTo(MIN_PER_SERVER) < 0) each = MIN_PER_SERVER;
        List<Resolver> resolvers = new ArrayList<>();
        for (InetSocketAddress a : addresses) resolvers.add(simple(a, each));
        return new FailoverResolver(resolvers, each);
    }

    static InetSocketAddress parseServer(String s) {
        String host = s;
        int port = DNS_PORT;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) throw new IllegalArgumentException("'" + s + "' lacks ']'");
            host = s.substring(1, end);
            if (end + 1 < s.length()) {
                if (s.charAt(end + 1) != ':') throw new IllegalArgumentException("'" + s + "' is not [ipv6]:port");
                port = port(s.substring(end + 2), s);
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = port(s.substring(s.indexOf(':') + 1), s);
        }
        InetAddress ip = Domains.parseIp(host);
        if (ip == null) throw new IllegalArgumentException("'" + s + "' is not an IP address (with an optional :port)");
        return new InetSocketAddress(ip, port);
    }

    private static int port(String p, String whole) {
        try {
            int port = Integer.parseInt(p);
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range in '" + whole + "'");
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + p + "' in '" + whole + "' is not a port number");
        }
    }

    private static SimpleResolver simple(InetSocketAddress address, Duration timeout) {
        SimpleResolver r = new SimpleResolver(address);
        r.setTimeout(timeout);
        return r;
    }
}

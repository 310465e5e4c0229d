package dev.outflow.submission.smtpd;

import dev.outflow.core.address.Domains;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The client networks allowed to relay without AUTH ({@code smtpd.relay_networks}): IPv4 and IPv6
 * CIDRs such as {@code 127.0.0.0/8}, {@code 10.0.0.0/8}, {@code ::1/128}, {@code fd00::/8}; an
 * address without a prefix is a single host. An IPv4-mapped IPv6 client ({@code ::ffff:a.b.c.d})
 * matches the IPv4 networks. Never touches DNS. Immutable and thread-safe.
 */
public final class RelayNetworks {
    private record Cidr(byte[] network, int prefix) {
        boolean contains(byte[] a) {
            if (a.length != network.length) return false;
            int full = prefix / 8;
            for (int i = 0; i < full; i++) if (a[i] != network[i]) return false;
            int rest = prefix % 8;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    private static final RelayNetworks NONE = new RelayNetworks(List.of());

    private final List<Cidr> cidrs;

    private RelayNetworks(List<Cidr> cidrs) {
        this.cidrs = cidrs;
    }

    public static RelayNetworks none() {
        return NONE;
    }

    /**
     * @throws ConfigException naming {@code smtpd.relay_networks} and the bad entry
     */
    public static RelayNetworks parse(List<String> entries) {
        List<Cidr> out = new ArrayList<>();
        for (String e : entries) out.add(cidr(e.strip()));
        return new RelayNetworks(List.copyOf(out));
    }

    public boolean isEmpty() {
        return cidrs.isEmpty();
    }

    /** True when the client address lies in one of the networks. */
    public boolean contains(InetAddress client) {
        if (cidrs.isEmpty() || client == null) return false;
        byte[] a = unmapped(client.getAddress());
        for (Cidr c : cidrs) if (c.contains(a)) return true;
        return false;
    }

    private static Cidr cidr(String e) {
        String key = OutflowKeys.SMTPD_RELAY_NETWORKS.name();
        int slash = e.indexOf('/');
        String ip = slash < 0 ? e : e.substring(0, slash);
        if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.substring(1, ip.length() - 1);
        InetAddress addr = Domains.parseIp(ip);
        if (addr == null) throw new ConfigException(key, "'" + e + "' is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)");
        byte[] bytes = addr.getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(e.substring(slash + 1));
            } catch (NumberFormatException ex) {
                throw new ConfigException(key, "'" + e + "': prefix length is not a number");
            }
            if (prefix < 0 || prefix > max) throw new ConfigException(key, "'" + e + "': prefix length must be 0-" + max);
        }
        if (addr instanceof Inet6Address && isMapped(bytes) && prefix >= 96) {
            return new Cidr(unmapped(bytes), prefix - 96);
        }
        return new Cidr(bytes, prefix);
    }

    private static byte[] unmapped(byte[] a) {
        if (a.length == 16 && isMapped(a)) {
            byte[] v4 = new byte[4];
            System.arraycopy(a, 12, v4, 0, 4);
            return v4;
        }
        return a;
    }

    private static boolean isMapped(byte[] a) {
        if (a.length != 16) return false;
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }
}

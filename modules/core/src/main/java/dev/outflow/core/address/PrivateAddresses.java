package dev.outflow.core.address;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses that are not on the public Internet, where mail to a remote domain must not go
 * unless the operator allows it ({@code outbound.allow_private}): anyone who controls a
 * recipient domain's DNS could otherwise make the relay connect to services on its own host or
 * network (a loopback-only SMTP port, an internal mail server trusting its neighbours).
 *
 * <p>Refused ranges: unspecified ({@code 0.0.0.0/8}, {@code ::}), loopback ({@code 127.0.0.0/8},
 * {@code ::1}), private ({@code 10.0.0.0/8}, {@code 172.16.0.0/12}, {@code 192.168.0.0/16}),
 * shared address space ({@code 100.64.0.0/10}), link-local ({@code 169.254.0.0/16},
 * {@code fe80::/10}), unique local ({@code fc00::/7}), site-local ({@code fec0::/10}), multicast
 * and broadcast. IPv4-mapped and IPv4-compatible IPv6 addresses are judged by their IPv4 address.
 *
 * <p>Stateless and thread-safe.
 */
public final class PrivateAddresses {
    private PrivateAddresses() {}

    /** True when {@link #kind} names a range. */
    public static boolean isPrivate(InetAddress a) {
        return kind(a) != null;
    }

    /** The kind of non-public range the address is in ({@code "loopback"}, {@code "private"}, ...), or null for a public address. */
    public static String kind(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (v6.isIPv4CompatibleAddress() && !zeroBefore(b, 15)) return kind(v4(b, 12));
            if (zeroBefore(b, 10) && b[10] == (byte) 0xff && b[11] == (byte) 0xff) return kind(v4(b, 12));
            return kind6(v6, b);
        }
        return kind4(a.getAddress());
    }

    private static String kind4(byte[] b) {
        int o0 = b[0] & 0xff;
        int o1 = b[1] & 0xff;
        if (o0 == 0) return "unspecified";
        if (o0 == 127) return "loopback";
        if (o0 == 10 || (o0 == 172 && o1 >= 16 && o1 <= 31) || (o0 == 192 && o1 == 168)) return "private";
        if (o0 == 100 && o1 >= 64 && o1 <= 127) return "shared address space";
        if (o0 == 169 && o1 == 254) return "link-local";
        if (o0 >= 224 && o0 <= 239) return "multicast";
        if (o0 == 255 && o1 == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255) return "broadcast";
        return null;
    }

    private static String kind6(Inet6Address a, byte[] b) {
        if (a.isAnyLocalAddress()) return "unspecified";
        if (a.isLoopbackAddress()) return "loopback";
        if (a.isLinkLocalAddress()) return "link-local";
        if (a.isSiteLocalAddress()) return "site-local";
        if ((b[0] & 0xfe) == 0xfc) return "unique local";
        if (a.isMulticastAddress()) return "multicast";
        return null;
    }

    /** True when the bytes before {@code end} are all zero ({@code ::} and {@code ::1} are IPv4-compatible in the JDK's eyes). */
    private static boolean zeroBefore(byte[] b, int end) {
        for (int i = 0; i < end; i++) if (b[i] != 0) return false;
        return true;
    }

    private static InetAddress v4(byte[] b, int from) {
        try {
            return Inet4Address.getByAddress(new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }
}

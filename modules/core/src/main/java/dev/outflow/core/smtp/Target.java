package dev.outflow.core.smtp;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One address to deliver to. Sessions are pooled per {@link #key()}: the same address, port,
 * protocol, local address and TLS policy share connections; the host name is only for SNI and
 * reports. Immutable.
 *
 * @param host host name of the MX (or the IP literal the route named)
 * @param ip   address to connect to
 * @param port TCP port
 * @param lmtp speak LMTP instead of SMTP
 * @param bind local address to connect from, or null
 * @param tls  try STARTTLS when offered (opportunistic)
 */
public record Target(String host, InetAddress ip, int port, boolean lmtp, InetAddress bind, boolean tls) {
    public Target {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(ip, "ip");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port);
    }

    /** Pool key: what makes two sessions interchangeable. */
    public record Key(InetAddress ip, int port, boolean lmtp, InetAddress bind, boolean tls) {}

    public Key key() {
        return new Key(ip, port, lmtp, bind, tls);
    }

    /** The same target without TLS: the plaintext retry after a failed handshake. */
    public Target withoutTls() {
        return new Target(host, ip, port, lmtp, bind, false);
    }

    public String mode() {
        return lmtp ? "LMTP" : "SMTP";
    }

    /** {@code host[ip]:port}, as Postfix names a peer. */
    @Override
    public String toString() {
        String a = ip.getHostAddress();
        return (host.equals(a) ? "" : host) + "[" + a + "]:" + port;
    }
}

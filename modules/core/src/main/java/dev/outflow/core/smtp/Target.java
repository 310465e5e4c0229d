package dev.outflow.core.smtp;

import dev.outflow.core.tls.TlsLevel;
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
 * @param tls   try STARTTLS when offered
 * @param level the TLS policy: {@code tls} is false exactly for {@link TlsLevel#NONE}; under a
 *              required level the session is TLS or nothing
 */
public record Target(String host, InetAddress ip, int port, boolean lmtp, InetAddress bind, boolean tls, TlsLevel level) {
    public Target {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(level, "level");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port);
        if (tls != (level != TlsLevel.NONE)) throw new IllegalArgumentException("tls " + tls + " with policy " + level.label());
    }

    /** Opportunistic TLS ({@code may}) or none. */
    public Target(String host, InetAddress ip, int port, boolean lmtp, InetAddress bind, boolean tls) {
        this(host, ip, port, lmtp, bind, tls, tls ? TlsLevel.MAY : TlsLevel.NONE);
    }

    /**
     * Pool key: what makes two sessions interchangeable. A verified session is not an encrypted
     * one, and was verified for one MX name: another name on the same address needs its own.
     */
    public record Key(InetAddress ip, int port, boolean lmtp, InetAddress bind, TlsLevel level, String verifiedName) {}

    public Key key() {
        return new Key(ip, port, lmtp, bind, level, level == TlsLevel.VERIFY ? host.toLowerCase(java.util.Locale.ROOT) : null);
    }

    /** The same target without TLS: the plaintext retry after a failed handshake (only under {@code may}). */
    public Target withoutTls() {
        if (level.required()) throw new IllegalStateException("TLS policy " + level.label() + " forbids plaintext");
        return new Target(host, ip, port, lmtp, bind, false, TlsLevel.NONE);
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

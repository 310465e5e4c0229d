package dev.outflow.core.mx;

/**
 * One place to deliver a domain's mail: an MX exchange (host name or IP literal) with its
 * preference, and optionally a port, a local address to bind, and LMTP instead of SMTP.
 * This is the Java form of Haraka's get_mx MX object {@code {priority, exchange, port, bind, using_lmtp}}.
 *
 * @param priority  MX preference, lower first
 * @param exchange  host name or IP address (IPv6 without brackets)
 * @param port      TCP port, 0 = {@code outbound.smtp_port}
 * @param bind      local address to connect from, or null
 * @param usingLmtp speak LMTP (RFC 2033) instead of SMTP
 */
public record MxRoute(int priority, String exchange, int port, String bind, boolean usingLmtp) {
    public MxRoute {
        if (exchange == null || exchange.isBlank()) throw new IllegalArgumentException("MX exchange is empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("MX port out of range: " + port);
    }

    public static MxRoute of(int priority, String exchange) {
        return new MxRoute(priority, exchange, 0, null, false);
    }

    /**
     * Parses Haraka's string forms: {@code host}, {@code host:port}, {@code ip}, {@code ip:port},
     * {@code [ipv6]:port} and a bare IPv6 literal.
     */
    public static MxRoute parse(String s) {
        String v = s.trim();
        if (v.startsWith("[")) {
            int end = v.indexOf(']');
            if (end < 0) throw new IllegalArgumentException("bad MX '" + s + "'");
            String host = v.substring(1, end);
            int port = end + 1 < v.length() && v.charAt(end + 1) == ':' ? parsePort(v.substring(end + 2), s) : 0;
            return new MxRoute(0, host, port, null, false);
        }
        int first = v.indexOf(':');
        if (first >= 0 && first == v.lastIndexOf(':')) {
            return new MxRoute(0, v.substring(0, first), parsePort(v.substring(first + 1), s), null, false);
        }
        return new MxRoute(0, v, 0, null, false);
    }

    private static int parsePort(String p, String whole) {
        try {
            return Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in MX '" + whole + "'");
        }
    }

    /** The port to use: this route's, else the given default. */
    public int portOr(int defaultPort) {
        return port == 0 ? defaultPort : port;
    }
}

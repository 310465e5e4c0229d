package dev.outflow.core.config;

/** A {@code host:port} pair as written in config ({@code [::1]:25} for IPv6 literals). */
public record HostPort(String host, int port) {
    public HostPort {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host is empty");
    }

    public static HostPort parse(String v) {
        String s = v.trim();
        String host;
        String port;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0 || end + 1 >= s.length() || s.charAt(end + 1) != ':') {
                throw new IllegalArgumentException("'" + v + "' is not [ipv6]:port");
            }
            host = s.substring(1, end);
            port = s.substring(end + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) throw new IllegalArgumentException("'" + v + "' is not host:port");
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        try {
            return new HostPort(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + port + "' in '" + v + "' is not a port number");
        }
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}

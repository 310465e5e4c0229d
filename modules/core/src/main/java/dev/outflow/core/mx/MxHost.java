package dev.outflow.core.mx;

import java.net.InetAddress;
import java.util.List;

/**
 * A route with its addresses, in the order to try them (AAAA first when IPv6 is enabled).
 * An empty address list means the exchange had no address records; the deliverer skips it.
 */
public record MxHost(MxRoute route, List<InetAddress> addresses) {
    public MxHost {
        addresses = List.copyOf(addresses);
    }
}

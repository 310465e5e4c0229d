package dev.outflow.core.mx;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/** Compact text forms of lookup results for assertions. */
final class MxResults {
    private MxResults() {}

    /** Each host as {@code priority exchange addr,addr}. */
    static List<String> hosts(MxLookupResult result) {
        assertThat(result).isInstanceOf(MxLookupResult.Found.class);
        return ((MxLookupResult.Found) result).hosts().stream()
                .map(h -> h.route().priority() + " " + h.route().exchange() + " "
                        + h.addresses().stream().map(InetAddress::getHostAddress).collect(Collectors.joining(",")))
                .toList();
    }

    static MxLookupResult.Failed failed(MxLookupResult result) {
        assertThat(result).isInstanceOf(MxLookupResult.Failed.class);
        return (MxLookupResult.Failed) result;
    }
}

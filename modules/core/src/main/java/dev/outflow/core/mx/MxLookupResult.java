package dev.outflow.core.mx;

import java.util.List;

/** The outcome of resolving where a domain's mail goes. */
public sealed interface MxLookupResult {
    /** Hosts to try, in order (preference sorted, equal preferences shuffled). */
    record Found(List<MxHost> hosts) implements MxLookupResult {
        public Found {
            hosts = List.copyOf(hosts);
        }
    }

    /**
     * No host to try. {@code permanent} failures bounce (NXDOMAIN 5.1.2, null MX 5.1.10),
     * temporary ones defer (SERVFAIL, timeout: 4.4.3).
     *
     * @param code         SMTP-style code to report: 550/556 permanent, 450/451 temporary
     * @param enhancedCode e.g. 5.1.2, 5.1.10, 4.4.3
     */
    record Failed(boolean permanent, int code, String enhancedCode, String message) implements MxLookupResult {}
}

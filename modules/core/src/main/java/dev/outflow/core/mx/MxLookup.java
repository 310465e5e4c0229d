package dev.outflow.core.mx;

import java.util.List;

/**
 * Finds where to deliver mail for a domain. The DNS implementation is {@code MxResolver};
 * tests may use any other. Implementations are thread-safe and never throw for DNS problems:
 * they answer {@link MxLookupResult.Failed}.
 */
public interface MxLookup {
    /** MX records of the domain (or its implicit MX), with addresses. */
    MxLookupResult lookup(String domain);

    /** Addresses of routes given by a get_mx hook (host names resolved, IP literals kept). */
    MxLookupResult resolve(List<MxRoute> routes);
}

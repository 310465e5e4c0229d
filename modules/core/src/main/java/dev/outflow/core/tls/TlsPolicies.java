package dev.outflow.core.tls;

/**
 * Decides the {@link TlsPolicy} of a destination domain: an entry of the policy map wins (the
 * operator knows best, as with Postfix's {@code smtp_tls_policy_maps}); else an MTA-STS policy in
 * {@code enforce} or {@code testing} mode when MTA-STS is on ({@code enforce} means {@code verify}
 * towards the matching MX hosts); else the default {@code tls.policy}. Thread-safe.
 */
public final class TlsPolicies {
    private final TlsLevel fallback;
    private final TlsPolicyMap map;
    private final MtaSts mtaSts;

    /**
     * @param fallback {@code tls.policy} (none when {@code outbound.enable_tls} is false)
     * @param map      the policy map, or null
     * @param mtaSts   MTA-STS discovery, or null when off
     */
    public TlsPolicies(TlsLevel fallback, TlsPolicyMap map, MtaSts mtaSts) {
        this.fallback = fallback;
        this.map = map;
        this.mtaSts = mtaSts;
    }

    public TlsPolicy forDomain(String domain) {
        TlsLevel explicit = map == null ? null : map.levelFor(domain);
        if (explicit != null) return new TlsPolicy(explicit, "tls.policy_map", null);
        if (mtaSts != null) {
            MtaSts.Found f = mtaSts.policyFor(domain);
            if (f != null && f.policy().mode() == MtaStsPolicy.Mode.ENFORCE) return new TlsPolicy(TlsLevel.VERIFY, "mta-sts", f.policy());
            if (f != null && f.policy().mode() == MtaStsPolicy.Mode.TESTING) {
                return new TlsPolicy(fallback == TlsLevel.NONE ? TlsLevel.MAY : fallback, "mta-sts", f.policy());
            }
        }
        return new TlsPolicy(fallback, "tls.policy", null);
    }
}

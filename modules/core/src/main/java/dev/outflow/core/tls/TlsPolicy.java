package dev.outflow.core.tls;

/**
 * The TLS policy one delivery runs under: the level for the MX hosts, where it came from, and the
 * MTA-STS policy when one applies ({@code enforce}: only matching MX hosts, verified; {@code
 * testing}: every MX host at the level, mismatches logged). Immutable.
 *
 * @param level  what each session requires
 * @param source {@code tls.policy}, {@code tls.policy_map} or {@code mta-sts}
 * @param sts    the MTA-STS policy in force, or null
 */
public record TlsPolicy(TlsLevel level, String source, MtaStsPolicy sts) {
    public static final TlsPolicy MAY = new TlsPolicy(TlsLevel.MAY, "tls.policy", null);

    /** Enforced MTA-STS: an MX host that does not match the policy is not used. */
    public boolean enforcesMx() {
        return sts != null && sts.mode() == MtaStsPolicy.Mode.ENFORCE;
    }

    /** How the event and the delivery log name it: {@code may}, {@code verify}, {@code mta-sts/enforce}, {@code mta-sts/testing}. */
    public String label() {
        return sts == null ? level.label() : "mta-sts/" + sts.mode().name().toLowerCase(java.util.Locale.ROOT);
    }
}

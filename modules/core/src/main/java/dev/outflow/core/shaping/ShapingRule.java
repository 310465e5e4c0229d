package dev.outflow.core.shaping;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one destination may be sent to: a recipient domain ({@code gmail.com}) or every domain whose
 * MX host ends with a suffix ({@code *.google.com}). Limits are for the whole cluster (see
 * docs/shaping.md); 0 means "no rule of its own" (the worker's default applies). Immutable.
 *
 * @param match             {@code domain} or {@code *.suffix} (A-labels, lower case)
 * @param maxConnections    deliveries in progress at once; 0: {@code outbound.domain_concurrency}
 * @param maxPerConnection  messages over one pooled connection before it is closed; 0: {@code outbound.pool_max_messages}
 * @param rates             at most {@code count} deliveries in any window of {@code per}
 * @param backoff           how long the destination is suspended after {@code backoffAfter} throttling replies in a row
 * @param backoffAfter      consecutive 421 / 4.7.x replies that suspend it; 0: never
 */
public record ShapingRule(String match, int maxConnections, int maxPerConnection, List<Rate> rates, Duration backoff,
                          int backoffAfter) {
    public ShapingRule {
        Objects.requireNonNull(match, "match");
        rates = List.copyOf(rates);
        Objects.requireNonNull(backoff, "backoff");
    }

    /** At most {@code count} deliveries in any window of length {@code per}. */
    public record Rate(int count, Duration per) {
        @Override
        public String toString() {
            return count + "/" + per;
        }
    }

    /** True when the rule names an MX host suffix ({@code *.google.com}) rather than a domain. */
    public boolean mxSuffix() {
        return match.startsWith("*.");
    }

    /** This rule with its limits divided by {@code n} (a domain spread over n shards), each at least 1. */
    public ShapingRule divided(int n) {
        if (n <= 1) return this;
        List<Rate> r = rates.stream().map(x -> new Rate(Math.max(1, x.count() / n), x.per())).toList();
        return new ShapingRule(match, maxConnections == 0 ? 0 : Math.max(1, maxConnections / n), maxPerConnection, r, backoff,
                backoffAfter);
    }
}

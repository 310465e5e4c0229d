package dev.outflow.reporting.internal;

import java.util.List;

/**
 * A message as it was queued on the outbound topic (first attempt only), reduced to what tracking
 * needs; re-keyed by message id through a repartition topic. Immutable.
 */
public record Queued(String id, String mailFrom, String domain, List<String> recipients, long queuedAt, String bounceOf) {
}

package dev.outflow.core.intake;

import dev.outflow.core.delivery.Delivery;
import java.util.Objects;

/**
 * One part of an accepted message, ready to queue: the recipients of one domain (or one shard of a
 * sharded domain) and the routing key that is its record key on the outbound topic.
 *
 * @param routingKey lower-case A-label domain, or {@code domain#n} for shard n of a sharded domain
 * @param delivery   the message for these recipients (attempt 0)
 * @param origin     how the message entered Outflow
 */
public record RoutedDelivery(String routingKey, Delivery delivery, Origin origin) {
    public RoutedDelivery {
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(origin, "origin");
    }
}

package dev.outflow.submission;

import dev.outflow.core.intake.RoutedDelivery;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where accepted messages go: the outbound topic, or a fake in tests.
 *
 * <p>{@link #enqueue} completes normally only when every part is durably queued (for Kafka:
 * acknowledged with {@code acks=all}); it completes exceptionally (typically with a
 * {@link QueueException}) when any part was not, after every part has an answer. A failed message
 * may still have some parts queued; callers answer "try again later" and the retry is
 * idempotent per part only through the message id (documented in {@code docs/smtpd.md}).
 *
 * <p>Implementations are thread-safe; {@code enqueue} may block briefly (e.g. Kafka's
 * {@code max.block.ms} while metadata is unavailable) but never waits for the acknowledgement.
 */
public interface OutboundQueue extends AutoCloseable {
    /**
     * @param id    the message id shared by all parts
     * @param parts one record per (domain, shard), keyed by its routing key
     */
    CompletableFuture<Void> enqueue(String id, List<RoutedDelivery> parts);

    /** Releases resources (flushes and closes a producer). */
    @Override
    default void close() {}
}

package dev.outflow.submission;

import dev.outflow.core.intake.RoutedDelivery;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where accepted messages go: the outbound topic, or a fake in tests.
 *
 * <p>{@link #enqueue} completes normally only when every part is durably queued (for Kafka:
 * acknowledged with {@code acks=all}); it completes exceptionally (typically with a
 * {@link QueueException}) when it was not. The Kafka queue is atomic per message (one record, or
 * one transaction for the parts of a multi-domain message):
 * a failed message has no part queued, so callers answer "try again later" and the retry cannot
 * duplicate parts (see {@code docs/smtpd.md} for the one remaining window).
 *
 * <p>Implementations are thread-safe; {@code enqueue} never waits for the acknowledgement.
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

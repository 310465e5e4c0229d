package dev.outflow.submission;

import dev.outflow.core.intake.RoutedDelivery;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory {@link OutboundQueue}: records each message (id and parts) when it "acknowledges"
 * it. It can be told to fail every enqueue, or to hang (never complete) until released.
 */
public final class FakeOutboundQueue implements OutboundQueue {
    public enum Mode { ACK, FAIL, HANG }

    public record Queued(String id, List<RoutedDelivery> parts) {}

    private volatile Mode mode = Mode.ACK;
    private final List<Queued> queued = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final List<CompletableFuture<Void>> hanging = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<String, Integer> attempts = new ConcurrentHashMap<>();

    public FakeOutboundQueue mode(Mode m) {
        this.mode = m;
        return this;
    }

    @Override
    public CompletableFuture<Void> enqueue(String id, List<RoutedDelivery> parts) {
        attempts.merge(id, 1, Integer::sum);
        return switch (mode) {
            case ACK -> {
                queued.add(new Queued(id, List.copyOf(parts)));
                yield CompletableFuture.completedFuture(null);
            }
            case FAIL -> CompletableFuture.failedFuture(new QueueException("broker down (fake)", new java.io.IOException("fake")));
            case HANG -> {
                CompletableFuture<Void> f = new CompletableFuture<>();
                hanging.add(f);
                yield f;
            }
        };
    }

    /** Messages acknowledged so far, in order. */
    public List<Queued> queued() {
        synchronized (queued) {
            return List.copyOf(queued);
        }
    }

    /** How many messages were acknowledged. */
    public int queuedCount() {
        return queued.size();
    }

    /** How many enqueue calls were made (acknowledged or not). */
    public int attempts() {
        return attempts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int hangingCount() {
        return hanging.size();
    }
}

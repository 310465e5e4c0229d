package dev.outflow.codec.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A small lock-free pool of mutable per-call state (encoders, decoders, buffers). Unlike a
 * ThreadLocal it does not build fresh state for every short-lived virtual thread: a caller takes
 * any free slot near its thread's home slot, or new state when all are busy.
 *
 * <p>Thread-safe.
 */
public final class StatePool<S> {
    private static final int SLOTS = 32;
    private static final int PROBES = 4;

    private final AtomicReferenceArray<S> slots = new AtomicReferenceArray<>(SLOTS);
    private final Supplier<S> factory;

    public StatePool(Supplier<S> factory) {
        this.factory = factory;
    }

    public S take() {
        int home = home();
        for (int i = 0; i < PROBES; i++) {
            int slot = (home + i) & (SLOTS - 1);
            S s = slots.getAndSet(slot, null);
            if (s != null) {
                return s;
            }
        }
        return factory.get();
    }

    /** Returns state to the pool; dropped when the nearby slots are full. */
    public void give(S state) {
        int home = home();
        for (int i = 0; i < PROBES; i++) {
            if (slots.compareAndSet((home + i) & (SLOTS - 1), null, state)) {
                return;
            }
        }
    }

    private static int home() {
        long id = Thread.currentThread().threadId();
        return (int) (id ^ (id >>> 16)) & (SLOTS - 1);
    }
}

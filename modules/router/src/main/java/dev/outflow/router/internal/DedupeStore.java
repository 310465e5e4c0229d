package dev.outflow.router.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The submission ids queued within the dedupe window, in memory, grouped by changelog partition
 * (the unit that is restored and dropped when input partitions move between routers).
 *
 * <p>Entries of the open transaction are <em>pending</em>: a lookup sees them (a second copy in the
 * same transaction is a duplicate too), {@link #commitPending()} makes them permanent once the
 * transaction committed, {@link #discardPending()} forgets them when it aborted, so memory never
 * holds an id whose outputs were not committed.
 *
 * <p>Memory: about 150 bytes per id; a router that sees many ids per second over a long
 * {@code router.dedupe_window} needs the heap for them. Not thread-safe: the poll thread owns it.
 */
public final class DedupeStore {
    private final long windowMillis;
    /** changelog partition → id → first seen (epoch ms), in insertion (≈ time) order for expiry. */
    private final Map<Integer, LinkedHashMap<String, Long>> committed = new HashMap<>();
    private final Map<String, long[]> pending = new HashMap<>();
    private int size;

    public DedupeStore(long windowMillis) {
        if (windowMillis <= 0) throw new IllegalArgumentException("dedupe window must be positive");
        this.windowMillis = windowMillis;
    }

    /** True when {@code id} was queued less than the window ago (committed or in the open transaction). */
    public boolean seen(String id, long now) {
        if (pending.containsKey(id)) return true;
        for (LinkedHashMap<String, Long> m : committed.values()) {
            Long at = m.get(id);
            if (at != null && now - at < windowMillis) return true;
        }
        return false;
    }

    /** Records {@code id} as queued in the open transaction, on changelog partition {@code partition}. */
    public void add(String id, int partition, long now) {
        pending.put(id, new long[] {partition, now});
    }

    /** The open transaction committed: its ids become permanent. */
    public void commitPending() {
        for (Map.Entry<String, long[]> e : pending.entrySet()) {
            put((int) e.getValue()[0], e.getKey(), e.getValue()[1]);
        }
        pending.clear();
    }

    /** The open transaction aborted: its ids are forgotten. */
    public void discardPending() {
        pending.clear();
    }

    /** Ids in the open transaction. */
    public int pendingCount() {
        return pending.size();
    }

    /** Loads one entry read from the changelog; expired entries are skipped. */
    public void restore(int partition, String id, long seenAt, long now) {
        if (now - seenAt >= windowMillis) return;
        put(partition, id, seenAt);
    }

    /** True when entries of this changelog partition are held. */
    public boolean holds(int partition) {
        return committed.containsKey(partition);
    }

    /** Marks a changelog partition as held (restored), even when it had no live entries. */
    public void hold(int partition) {
        committed.computeIfAbsent(partition, p -> new LinkedHashMap<>());
    }

    /** Forgets a changelog partition (its input partitions went to another router). */
    public void drop(int partition) {
        LinkedHashMap<String, Long> m = committed.remove(partition);
        if (m != null) size -= m.size();
    }

    /** Removes entries older than the window; cheap when nothing expired (stops at the first live entry). */
    public int expire(long now) {
        int removed = 0;
        for (LinkedHashMap<String, Long> m : committed.values()) {
            for (Iterator<Long> it = m.values().iterator(); it.hasNext(); ) {
                if (now - it.next() < windowMillis) break;
                it.remove();
                removed++;
            }
        }
        size -= removed;
        return removed;
    }

    /** Committed ids held. */
    public int size() {
        return size;
    }

    private void put(int partition, String id, long seenAt) {
        LinkedHashMap<String, Long> m = committed.computeIfAbsent(partition, p -> new LinkedHashMap<>());
        // Re-inserting moves the id to the tail, so the head stays the oldest entry.
        if (m.remove(id) != null) size--;
        m.put(id, seenAt);
        size++;
    }
}

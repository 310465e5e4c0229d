package dev.outflow.scheduler.internal;

/**
 * One record of a delay bucket held in memory until it is due: where it is in its partition,
 * its timestamp and {@code notBefore}, its due time, and its raw key and value (forwarded as they
 * are unless a flush rewrites {@code notBefore}). Not thread-safe.
 */
public final class Entry {
    private static final byte[] NONE = new byte[0];

    private final long offset;
    private final long timestamp;
    private final long notBefore;
    private final byte[] key;
    private byte[] value;
    private long due;
    private boolean released;

    public Entry(long offset, long timestamp, long notBefore, long due, byte[] key, byte[] value) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.notBefore = notBefore;
        this.due = due;
        this.key = key;
        this.value = value;
    }

    /** A record that was dealt with when read; it only keeps its place in the offset order. */
    static Entry passed(long offset) {
        Entry e = new Entry(offset, 0, 0, Long.MIN_VALUE, null, NONE);
        e.released = true;
        return e;
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
    }

    public long notBefore() {
        return notBefore;
    }

    public long due() {
        return due;
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    public boolean released() {
        return released;
    }

    int size() {
        return value.length;
    }

    void dueNow() {
        due = Long.MIN_VALUE;
    }

    void markReleased() {
        released = true;
    }

    /** Drops the value once it was handed to the producer, so memory follows the window. */
    public void dropValue() {
        value = NONE;
    }

    static int compareByDue(Entry a, Entry b) {
        int c = Long.compare(a.due, b.due);
        return c != 0 ? c : Long.compare(a.offset, b.offset);
    }
}

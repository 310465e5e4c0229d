package dev.outflow.submission.smtpd.internal;

import java.util.Arrays;

/**
 * A growable byte buffer for one message at a time, reused by a session. A large buffer is given
 * up as soon as its message is handed over ({@link #take()}) or dropped ({@link #release()}), so an
 * idle session keeps {@value #INITIAL} bytes, never the megabytes of its last message. Not
 * thread-safe (one per session).
 */
final class MessageBuffer {
    private static final int INITIAL = 16 << 10;
    private static final int KEEP_MAX = 1 << 20;

    private byte[] a = new byte[INITIAL];
    private int n;

    /** Empties the buffer, sized for about {@code expected} bytes. */
    void reset(long expected) {
        if (a.length > KEEP_MAX) a = new byte[INITIAL];       // a safety net: every path takes or releases
        n = 0;
        if (expected > a.length) a = new byte[(int) Math.min(expected, Integer.MAX_VALUE - 16)];
    }

    /** The message, without a copy when the buffer is exactly full; the buffer starts small again. */
    byte[] take() {
        byte[] out = n == a.length ? a : Arrays.copyOf(a, n);
        a = new byte[INITIAL];
        n = 0;
        return out;
    }

    /** Drops the contents; a buffer grown beyond its initial size is given back to the heap. */
    void release() {
        if (a.length > INITIAL) a = new byte[INITIAL];
        n = 0;
    }

    /** Bytes held now, used or not. */
    int capacity() {
        return a.length;
    }

    int size() {
        return n;
    }

    void write(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, a, n, len);
        n += len;
    }

    void write(byte b) {
        ensure(1);
        a[n++] = b;
    }

    void writeCrlf() {
        ensure(2);
        a[n++] = '\r';
        a[n++] = '\n';
    }

    private void ensure(int more) {
        int need = n + more;
        if (need <= a.length) return;
        a = Arrays.copyOf(a, (int) Math.min(Integer.MAX_VALUE - 16L, Math.max(need, a.length * 2L)));
    }
}

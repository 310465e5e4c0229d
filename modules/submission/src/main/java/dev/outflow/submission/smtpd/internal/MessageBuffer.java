package dev.outflow.submission.smtpd.internal;

import java.util.Arrays;

/**
 * A growable byte buffer for one message at a time, reused by a session. Shrinks back after a
 * large message so idle sessions do not keep megabytes. Not thread-safe (one per session).
 */
final class MessageBuffer {
    private static final int INITIAL = 16 << 10;
    private static final int KEEP_MAX = 1 << 20;

    private byte[] a = new byte[INITIAL];
    private int n;

    /** Empties the buffer, sized for about {@code expected} bytes. */
    void reset(long expected) {
        if (a.length > KEEP_MAX) a = new byte[INITIAL];
        n = 0;
        if (expected > a.length) a = new byte[(int) Math.min(expected, Integer.MAX_VALUE - 16)];
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

    byte[] toByteArray() {
        return Arrays.copyOf(a, n);
    }

    private void ensure(int more) {
        int need = n + more;
        if (need <= a.length) return;
        a = Arrays.copyOf(a, (int) Math.min(Integer.MAX_VALUE - 16L, Math.max(need, a.length * 2L)));
    }
}

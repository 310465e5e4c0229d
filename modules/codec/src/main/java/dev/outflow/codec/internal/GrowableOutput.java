package dev.outflow.codec.internal;

import java.io.OutputStream;
import java.util.Arrays;

/** An unsynchronized, reusable byte sink for encoders (ByteArrayOutputStream locks on every write). */
public final class GrowableOutput extends OutputStream {
    private byte[] buf;
    private int count;

    public GrowableOutput(int initialCapacity) {
        this.buf = new byte[initialCapacity];
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    public void reset() {
        count = 0;
    }

    public int size() {
        return count;
    }

    public int capacity() {
        return buf.length;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    private void ensure(int extra) {
        int needed = count + extra;
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(needed, buf.length * 2));
        }
    }
}

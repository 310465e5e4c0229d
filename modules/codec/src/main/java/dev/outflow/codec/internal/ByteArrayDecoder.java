package dev.outflow.codec.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding straight from a byte array, with every length and item count checked
 * against the bytes that remain. Avro's own decoders allocate a declared length before reading it,
 * so a corrupt record could ask for a 2 GB buffer; here it fails with a clear message instead.
 *
 * <p>Reusable ({@link #reset}) but not thread-safe.
 */
public final class ByteArrayDecoder extends Decoder {
    /** Item counts above the remaining bytes are allowed up to this, for zero-byte items (null). */
    private static final int ZERO_SIZE_ITEM_SLACK = 1 << 16;

    private byte[] buf = new byte[0];
    private int pos;
    private int limit;

    public ByteArrayDecoder reset(byte[] data, int offset, int length) {
        this.buf = data;
        this.pos = offset;
        this.limit = offset + length;
        return this;
    }

    public int remaining() {
        return limit - pos;
    }

    /** Drops the reference to the last input so a pooled decoder does not pin it. */
    public void release() {
        buf = new byte[0];
        pos = 0;
        limit = 0;
    }

    @Override
    public void readNull() {
        // Null takes no bytes.
    }

    @Override
    public boolean readBoolean() throws IOException {
        byte b = next();
        if (b == 0) {
            return false;
        }
        if (b == 1) {
            return true;
        }
        throw new AvroRuntimeException("invalid boolean byte " + b);
    }

    @Override
    public int readInt() throws IOException {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = next() & 0xff;
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new AvroRuntimeException("invalid int encoding (more than 5 bytes)");
    }

    @Override
    public long readLong() throws IOException {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            long b = next() & 0xff;
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new AvroRuntimeException("invalid long encoding (more than 10 bytes)");
    }

    @Override
    public float readFloat() throws IOException {
        require(4);
        int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        require(8);
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = (bits << 8) | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int len = length("string");
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(len);
        System.arraycopy(buf, pos, result.getBytes(), 0, len);
        pos += len;
        return result;
    }

    @Override
    public String readString() throws IOException {
        int len = length("string");
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    @Override
    public void skipString() throws IOException {
        skip(length("string"));
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int len = length("bytes");
        ByteBuffer result = old != null && old.hasArray() && !old.isReadOnly() && len <= old.capacity()
                ? old.clear() : ByteBuffer.allocate(len);
        result.put(buf, pos, len).flip();
        pos += len;
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        skip(length("bytes"));
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        require(length);
        System.arraycopy(buf, pos, bytes, start, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        skip(length);
    }

    @Override
    public int readEnum() throws IOException {
        int i = readInt();
        if (i < 0) {
            throw new AvroRuntimeException("negative enum index " + i);
        }
        return i;
    }

    @Override
    public long readArrayStart() throws IOException {
        return itemCount();
    }

    @Override
    public long arrayNext() throws IOException {
        return itemCount();
    }

    @Override
    public long skipArray() throws IOException {
        return skipBlocks();
    }

    @Override
    public long readMapStart() throws IOException {
        return itemCount();
    }

    @Override
    public long mapNext() throws IOException {
        return itemCount();
    }

    @Override
    public long skipMap() throws IOException {
        return skipBlocks();
    }

    @Override
    public int readIndex() throws IOException {
        int i = readInt();
        if (i < 0) {
            throw new AvroRuntimeException("negative union index " + i);
        }
        return i;
    }

    /** Block item count; a negative count is followed by the block's byte size, which is not needed. */
    private long itemCount() throws IOException {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new AvroRuntimeException("invalid block count");
            }
            readLong();
            count = -count;
        }
        if (count > Math.max(remaining(), ZERO_SIZE_ITEM_SLACK)) {
            throw new EOFException("block of " + count + " items but only " + remaining() + " bytes left");
        }
        return count;
    }

    /** Skips blocks that carry their byte size; returns the item count of the first block that does not. */
    private long skipBlocks() throws IOException {
        long count = readLong();
        while (count < 0) {
            long bytes = readLong();
            if (bytes < 0 || bytes > remaining()) {
                throw new EOFException("block of " + bytes + " bytes but only " + remaining() + " left");
            }
            pos += (int) bytes;
            count = readLong();
        }
        if (count > Math.max(remaining(), ZERO_SIZE_ITEM_SLACK)) {
            throw new EOFException("block of " + count + " items but only " + remaining() + " bytes left");
        }
        return count;
    }

    private int length(String what) throws IOException {
        long len = readLong();
        if (len < 0) {
            throw new AvroRuntimeException("negative " + what + " length " + len);
        }
        if (len > remaining()) {
            throw new EOFException(what + " of " + len + " bytes but only " + remaining() + " left");
        }
        return (int) len;
    }

    private void skip(int n) throws IOException {
        require(n);
        pos += n;
    }

    private void require(int n) throws EOFException {
        if (n < 0 || n > limit - pos) {
            throw new EOFException("need " + n + " bytes but only " + (limit - pos) + " left");
        }
    }

    private byte next() throws EOFException {
        if (pos >= limit) {
            throw new EOFException("unexpected end of data");
        }
        return buf[pos++];
    }
}

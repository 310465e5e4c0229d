package dev.outflow.codec.topics;

import java.util.Base64;
import java.util.BitSet;

/**
 * The offsets above a committed offset whose records were already done, carried in the commit's
 * metadata string, so a new owner of the partition skips them instead of doing them again. The
 * scheduler releases records in due order, not offset order; the worker publishes a delivery's
 * outcome as soon as it is known, not when every earlier offset of the partition is done. In both
 * the committed offset (the contiguous done prefix) can lag behind done records.
 *
 * <p>Format: {@code r1:} + URL-safe Base64 (no padding) of a little-endian bit set whose bit
 * {@code i} means "offset {@code base + i} is done"; empty string for no such offset. Writers bound
 * the span above the base ({@link #MAX_SPAN}), which keeps the string under the broker's
 * {@code offset.metadata.max.bytes} (4096 by default).
 *
 * <p>Immutable; thread-safe.
 */
public final class DoneOffsets {
    /** Largest distance above the base a writer may mark: 2,500 bytes of bits, 3,334 characters encoded. */
    public static final int MAX_SPAN = 20_000;
    public static final String PREFIX = "r1:";
    public static final DoneOffsets NONE = new DoneOffsets(0, new BitSet());

    private final long base;
    private final BitSet bits;

    private DoneOffsets(long base, BitSet bits) {
        this.base = base;
        this.bits = bits;
    }

    /** Decodes commit metadata written by {@link Encoder}; anything else (null, other tools) is empty. */
    public static DoneOffsets decode(long base, String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return NONE;
        }
        try {
            BitSet bits = BitSet.valueOf(Base64.getUrlDecoder().decode(metadata.substring(PREFIX.length())));
            return bits.isEmpty() ? NONE : new DoneOffsets(base, bits);
        } catch (IllegalArgumentException e) {
            return NONE;
        }
    }

    public boolean contains(long offset) {
        long i = offset - base;
        return i >= 0 && i < Integer.MAX_VALUE && bits.get((int) i);
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    /** Adds every offset of this set that is {@code >= from} to {@code into}. */
    public void copyFrom(long from, Encoder into) {
        int start = (int) Math.max(0, Math.min(Integer.MAX_VALUE, from - base));
        for (int i = bits.nextSetBit(start); i >= 0; i = bits.nextSetBit(i + 1)) {
            into.add(base + i);
        }
    }

    /** Builds the metadata string for one commit. Not thread-safe; reusable after {@link #encode()}. */
    public static final class Encoder {
        private final BitSet bits = new BitSet();
        private long base;

        /** Starts a new string relative to {@code base} (the offset being committed). */
        public Encoder reset(long base) {
            this.base = base;
            bits.clear();
            return this;
        }

        /** Marks a done offset; offsets below the base are already covered by the commit. */
        public void add(long offset) {
            long i = offset - base;
            if (i < 0) {
                return;
            }
            if (i >= Integer.MAX_VALUE) {
                throw new IllegalStateException("done offset " + offset + " too far above " + base);
            }
            bits.set((int) i);
        }

        public String encode() {
            if (bits.isEmpty()) {
                return "";
            }
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits.toByteArray());
        }
    }
}

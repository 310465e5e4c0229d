package dev.outflow.codec.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** Reads what Avro's own encoders write, value for value. */
class ByteArrayDecoderTest {
    @Test
    void readsEveryPrimitiveAsAvroWritesIt() throws Exception {
        long[] longs = {0, 1, -1, 63, -64, 64, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
        int[] ints = {0, 1, -1, 127, 128, -129, Integer.MAX_VALUE, Integer.MIN_VALUE};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        for (long l : longs) {
            e.writeLong(l);
        }
        for (int i : ints) {
            e.writeInt(i);
        }
        e.writeBoolean(true);
        e.writeBoolean(false);
        e.writeFloat(3.25f);
        e.writeFloat(Float.NaN);
        e.writeDouble(-2.5e300);
        e.writeString("héllo ✉");
        e.writeString(new Utf8("utf8"));
        e.writeBytes(new byte[] {9, 8, 7});
        e.writeFixed(new byte[] {1, 2, 3, 4});
        e.writeEnum(5);
        e.writeIndex(1);
        e.writeNull();
        e.flush();

        ByteArrayDecoder d = new ByteArrayDecoder();
        byte[] bytes = out.toByteArray();
        d.reset(bytes, 0, bytes.length);
        for (long l : longs) {
            assertThat(d.readLong()).isEqualTo(l);
        }
        for (int i : ints) {
            assertThat(d.readInt()).isEqualTo(i);
        }
        assertThat(d.readBoolean()).isTrue();
        assertThat(d.readBoolean()).isFalse();
        assertThat(d.readFloat()).isEqualTo(3.25f);
        assertThat(d.readFloat()).isNaN();
        assertThat(d.readDouble()).isEqualTo(-2.5e300);
        assertThat(d.readString()).isEqualTo("héllo ✉");
        assertThat(d.readString(new Utf8("a much longer previous value")).toString()).isEqualTo("utf8");
        ByteBuffer reuse = ByteBuffer.allocate(16);
        ByteBuffer b = d.readBytes(reuse);
        assertThat(b).isSameAs(reuse);
        assertThat(b.remaining()).isEqualTo(3);
        assertThat(b.get(0)).isEqualTo((byte) 9);
        byte[] fixed = new byte[4];
        d.readFixed(fixed);
        assertThat(fixed).containsExactly(1, 2, 3, 4);
        assertThat(d.readEnum()).isEqualTo(5);
        assertThat(d.readIndex()).isEqualTo(1);
        d.readNull();
        assertThat(d.remaining()).isZero();
        assertThatThrownBy(d::readInt).isInstanceOf(EOFException.class);
    }

    @Test
    void readsAndSkipsBlockEncodedArraysAndMaps() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // A blocking encoder writes negative counts followed by block byte sizes.
        BinaryEncoder e = EncoderFactory.get().blockingBinaryEncoder(out, null);
        for (int round = 0; round < 2; round++) {
            e.writeArrayStart();
            e.setItemCount(3);
            for (String s : new String[] {"a", "bb", "ccc"}) {
                e.startItem();
                e.writeString(s);
            }
            e.writeArrayEnd();
            e.writeMapStart();
            e.setItemCount(1);
            e.startItem();
            e.writeString("k");
            e.writeLong(42);
            e.writeMapEnd();
        }
        e.writeInt(7);
        e.flush();
        byte[] bytes = out.toByteArray();
        ByteArrayDecoder d = new ByteArrayDecoder().reset(bytes, 0, bytes.length);

        StringBuilder items = new StringBuilder();
        for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
            for (long i = 0; i < n; i++) {
                items.append(d.readString()).append(',');
            }
        }
        assertThat(items).hasToString("a,bb,ccc,");
        assertThat(d.readMapStart()).isEqualTo(1);
        assertThat(d.readString()).isEqualTo("k");
        assertThat(d.readLong()).isEqualTo(42);
        assertThat(d.mapNext()).isZero();

        assertThat(d.skipArray()).isZero();
        assertThat(d.skipMap()).isZero();
        assertThat(d.readInt()).isEqualTo(7);
    }

    @Test
    void rejectsMalformedValues() {
        ByteArrayDecoder d = new ByteArrayDecoder();
        byte[] badBoolean = {2};
        assertThatThrownBy(() -> d.reset(badBoolean, 0, 1).readBoolean()).isInstanceOf(AvroRuntimeException.class);
        byte[] longVarint = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1};
        assertThatThrownBy(() -> d.reset(longVarint, 0, longVarint.length).readInt())
                .hasMessageContaining("more than 5 bytes");
        byte[] negativeLength = {1};
        assertThatThrownBy(() -> d.reset(negativeLength, 0, 1).readString()).hasMessageContaining("negative string length");
        byte[] shortString = "\u0010abc".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> d.reset(shortString, 0, shortString.length).readString())
                .isInstanceOf(EOFException.class).hasMessageContaining("string of 8 bytes but only 3 left");
        byte[] window = {0, 4, 'a', 'b', 0};
        // Offsets and limits are honoured: reading from index 1 with length 3 sees "ab" only.
        try {
            assertThat(d.reset(window, 1, 3).readString()).isEqualTo("ab");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(d.remaining()).isZero();
    }
}

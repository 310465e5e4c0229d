package dev.outflow.reporting.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A serde of reporting's own binary layouts (a version byte first) that still reads the JSON
 * earlier versions wrote (it starts with <code>{</code>), so state directories, changelogs and
 * repartition records from before a layout change keep working. Null stays null (tombstones).
 * Also the string layout the binary forms share.
 */
final class BinarySerde {
    /** Reads one value from its bytes; a truncated or unknown layout is an IOException. */
    interface Reader<T> {
        T read(byte[] bytes) throws IOException;
    }

    private BinarySerde() {
    }

    static <T> Serde<T> of(Class<T> type, String what, Function<T, byte[]> write, Reader<T> read) {
        Serde<T> json = Json.serde(type);
        return Serdes.serdeFrom((topic, v) -> v == null ? null : write.apply(v), (topic, b) -> {
            if (b == null) return null;
            if (b.length > 0 && b[0] == '{') return json.deserializer().deserialize(topic, b);
            try {
                return read.read(b);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot decode " + what + " from " + topic + ": " + e, e);
            }
        });
    }

    /** Strings as a length (-1 for null) and UTF-8 bytes: replies may be longer than writeUTF allows. */
    static void str(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String str(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) return null;
        if (n > in.available()) throw new IOException("string of " + n + " bytes past the end");
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}

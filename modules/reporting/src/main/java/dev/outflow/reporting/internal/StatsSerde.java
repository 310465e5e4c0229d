package dev.outflow.reporting.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import org.apache.kafka.common.serialization.Serde;

import dev.outflow.reporting.Stats;

/**
 * The state-store form of {@link Stats}: a compact binary layout, because every counted event
 * writes statistics twice (its domain's minute and hour) and JSON made that the largest cost of
 * reporting (profile in docs/benchmarks.md). Version byte {@value #V1} first;
 * values written as JSON by earlier versions (they start with <code>{</code>) still decode, so a
 * state directory or changelog from before the change keeps working.
 */
final class StatsSerde {
    static final byte V1 = 1;

    private StatsSerde() {
    }

    static Serde<Stats> serde() {
        return BinarySerde.of(Stats.class, "statistics", StatsSerde::write, StatsSerde::read);
    }

    static byte[] write(Stats s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 16 * s.delays.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(V1);
            out.writeLong(s.delivered);
            out.writeLong(s.deferred);
            out.writeLong(s.bounced);
            out.writeLong(s.dropped);
            out.writeLong(s.rejected);
            writeCounts(out, s.bounceClasses);
            writeCounts(out, s.deferralClasses);
            writeCounts(out, s.bounceReasons);
            writeCounts(out, s.deferralReasons);
            out.writeInt(s.delays.size());
            for (Map.Entry<Integer, Long> e : s.delays.entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Stats read(byte[] b) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b));
        byte version = in.readByte();
        if (version != V1) throw new IOException("unknown version " + version);
        Stats s = new Stats();
        s.delivered = in.readLong();
        s.deferred = in.readLong();
        s.bounced = in.readLong();
        s.dropped = in.readLong();
        s.rejected = in.readLong();
        readCounts(in, s.bounceClasses);
        readCounts(in, s.deferralClasses);
        readCounts(in, s.bounceReasons);
        readCounts(in, s.deferralReasons);
        int n = in.readInt();
        for (int i = 0; i < n; i++) s.delays.put(in.readInt(), in.readLong());
        return s;
    }

    private static void writeCounts(DataOutputStream out, Map<String, Long> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, Long> e : m.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    private static void readCounts(DataInputStream in, Map<String, Long> into) throws IOException {
        int n = in.readInt();
        for (int i = 0; i < n; i++) into.put(in.readUTF(), in.readLong());
    }
}

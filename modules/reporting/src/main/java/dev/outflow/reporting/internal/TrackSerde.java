package dev.outflow.reporting.internal;

import static dev.outflow.reporting.internal.BinarySerde.str;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.common.serialization.Serde;

import dev.outflow.reporting.Attempt;
import dev.outflow.reporting.MessageTrack;
import dev.outflow.reporting.RecipientTrack;

/**
 * The state-store form of {@link MessageTrack}: a compact binary layout, because every event reads
 * and rewrites its message's entry, and JSON made that a large share of reporting's CPU (profile
 * in docs/benchmarks.md). Version byte {@value #V1} first; entries written as JSON by earlier
 * versions (they start with <code>{</code>) still decode. A field added to the tracking classes
 * must be added here too: {@code TrackSerdeTest} fills every field and compares.
 */
final class TrackSerde {
    static final byte V1 = 1;

    private TrackSerde() {
    }

    static Serde<MessageTrack> serde() {
        return BinarySerde.of(MessageTrack.class, "a tracking entry", TrackSerde::write, TrackSerde::read);
    }

    static byte[] write(MessageTrack m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(V1);
            str(out, m.id);
            str(out, m.mailFrom);
            str(out, m.dsnOf);
            out.writeLong(m.firstSeen);
            out.writeLong(m.updatedAt);
            out.writeInt(m.recipients.size());
            for (RecipientTrack r : m.recipients.values()) {
                str(out, r.address);
                str(out, r.domain);
                str(out, r.state);
                integer(out, r.code);
                str(out, r.enhancedCode);
                str(out, r.response);
                str(out, r.bounceClass);
                str(out, r.reason);
                str(out, r.host);
                str(out, r.ip);
                out.writeByte(r.tls == null ? 2 : r.tls ? 1 : 0);
                integer(out, r.attempts);
                longValue(out, r.nextAttemptAt);
                longValue(out, r.delayMs);
                out.writeLong(r.at);
                out.writeInt(r.history.size());
                for (Attempt a : r.history) {
                    out.writeLong(a.at());
                    str(out, a.outcome());
                    out.writeInt(a.attempt());
                    out.writeInt(a.code());
                    str(out, a.enhancedCode());
                    str(out, a.response());
                    str(out, a.bounceClass());
                    str(out, a.host());
                    str(out, a.ip());
                    out.writeBoolean(a.tls());
                    out.writeLong(a.delayMs());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static MessageTrack read(byte[] b) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
        byte version = in.readByte();
        if (version != V1) throw new IOException("unknown version " + version);
        MessageTrack m = new MessageTrack();
        m.id = str(in);
        m.mailFrom = str(in);
        m.dsnOf = str(in);
        m.firstSeen = in.readLong();
        m.updatedAt = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            RecipientTrack r = new RecipientTrack();
            r.address = str(in);
            r.domain = str(in);
            r.state = str(in);
            r.code = integer(in);
            r.enhancedCode = str(in);
            r.response = str(in);
            r.bounceClass = str(in);
            r.reason = str(in);
            r.host = str(in);
            r.ip = str(in);
            byte tls = in.readByte();
            r.tls = tls == 2 ? null : tls == 1;
            r.attempts = integer(in);
            r.nextAttemptAt = longValue(in);
            r.delayMs = longValue(in);
            r.at = in.readLong();
            int h = in.readInt();
            for (int j = 0; j < h; j++) {
                r.history.add(new Attempt(in.readLong(), str(in), in.readInt(), in.readInt(), str(in), str(in), str(in), str(in),
                        str(in), in.readBoolean(), in.readLong()));
            }
            m.recipients.put(r.address, r);
        }
        return m;
    }


    private static void integer(DataOutputStream out, Integer v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) out.writeInt(v);
    }

    private static Integer integer(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readInt() : null;
    }

    private static void longValue(DataOutputStream out, Long v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) out.writeLong(v);
    }

    private static Long longValue(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }
}

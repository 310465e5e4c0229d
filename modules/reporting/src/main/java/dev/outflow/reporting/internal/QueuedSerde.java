package dev.outflow.reporting.internal;

import static dev.outflow.reporting.internal.BinarySerde.str;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.serialization.Serde;

/**
 * The repartition-topic form of {@link Queued}: a compact binary layout, one per queued message,
 * written and read back once each (JSON cost more than the tracking it feeds). Version byte
 * {@value #V1} first; records written as JSON by earlier versions (they start with
 * <code>{</code>) still decode, so an upgrade with records in flight loses none.
 */
final class QueuedSerde {
    static final byte V1 = 1;

    private QueuedSerde() {
    }

    static Serde<Queued> serde() {
        return BinarySerde.of(Queued.class, "a queued message", QueuedSerde::write, QueuedSerde::read);
    }

    static byte[] write(Queued q) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + 48 * q.recipients().size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(V1);
            str(out, q.id());
            str(out, q.mailFrom());
            str(out, q.domain());
            str(out, q.bounceOf());
            out.writeLong(q.queuedAt());
            out.writeInt(q.recipients().size());
            for (String r : q.recipients()) str(out, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Queued read(byte[] b) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
        byte version = in.readByte();
        if (version != V1) throw new IOException("unknown version " + version);
        String id = str(in);
        String mailFrom = str(in);
        String domain = str(in);
        String bounceOf = str(in);
        long queuedAt = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > in.available()) throw new IOException("bad recipient count " + n);
        List<String> recipients = new ArrayList<>(n);
        for (int i = 0; i < n; i++) recipients.add(str(in));
        return new Queued(id, mailFrom, domain, List.copyOf(recipients), queuedAt, bounceOf);
    }
}

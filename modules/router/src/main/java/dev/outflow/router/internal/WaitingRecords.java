package dev.outflow.router.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;

/**
 * Keys and values of the store where a retry-topic record waits until it is due. Kafka Streams
 * cannot pause a partition until its head is due (the loop it replaced did), so a record read
 * before its time is kept in a changelogged key-value store keyed by due time, then topic,
 * partition and offset: the store iterates in due order, and a record is stored once however often
 * its input is read again. The value is the record as read (key, value, headers, timestamp).
 * Stateless.
 */
final class WaitingRecords {
    private WaitingRecords() {
    }

    /** Big-endian due time first: byte order is time order (due times are never negative). */
    static Bytes key(long dueAt, String topic, int partition, long offset) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + t.length + 4 + 8).putLong(Math.max(0, dueAt)).put(t).putInt(partition)
                .putLong(offset).array());
    }

    static long dueAt(Bytes key) {
        return ByteBuffer.wrap(key.get()).getLong();
    }

    static byte[] value(ConsumerRecord<byte[], byte[]> r) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (r.value() == null ? 0 : r.value().length));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(r.topic());
            out.writeInt(r.partition());
            out.writeLong(r.offset());
            out.writeLong(r.timestamp());
            writeBytes(out, r.key());
            writeBytes(out, r.value());
            Header[] headers = r.headers().toArray();
            out.writeInt(headers.length);
            for (Header h : headers) {
                writeBytes(out, h.key().getBytes(StandardCharsets.UTF_8));
                writeBytes(out, h.value());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ConsumerRecord<byte[], byte[]> record(byte[] value) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long timestamp = in.readLong();
            byte[] key = readBytes(in);
            byte[] v = readBytes(in);
            int n = in.readInt();
            RecordHeaders headers = new RecordHeaders();
            for (int i = 0; i < n; i++) headers.add(new String(readBytes(in), StandardCharsets.UTF_8), readBytes(in));
            return new ConsumerRecord<>(topic, partition, offset, timestamp, TimestampType.CREATE_TIME, -1, -1, key, v, headers,
                    Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) return null;
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}

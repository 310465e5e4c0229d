package dev.outflow.submission.internal;

import dev.outflow.avro.OutboundMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serializer;

/** Avro single-object encoding of {@link OutboundMessage} (the codec's default wire format). Thread-safe. */
public final class OutboundSerializer implements Serializer<OutboundMessage> {
    @Override
    public byte[] serialize(String topic, OutboundMessage data) {
        if (data == null) return null;
        try {
            ByteBuffer b = OutboundMessage.getEncoder().encode(data);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

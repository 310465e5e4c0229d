package dev.outflow.codec.topics;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The one record {@link TopicBootstrap} writes to each new partition before real traffic
 * (KAFKA-15591: an idempotent producer can lose records sent right after a topic is created).
 * A warm-up record has the key {@code outflow.warmup} (compacted topics refuse null keys), a null
 * value and the header {@code outflow.warmup=1}. {@link TopicBootstrap} deletes it again right
 * after its ack, so consumers do not see it; Outflow's own consumers still skip it with
 * {@link #isWarmup(ConsumerRecord)} for topics warmed by older versions, or when that deletion
 * failed (it is logged).
 *
 * <p>Stateless and thread-safe.
 */
public final class Warmup {
    /** Header marking a warm-up record. */
    public static final String HEADER = "outflow.warmup";
    private static final byte[] ONE = "1".getBytes(StandardCharsets.US_ASCII);

    private Warmup() {
    }

    /** True when the record is a warm-up record (header check only; cheap enough for every record). */
    public static boolean isWarmup(ConsumerRecord<?, ?> record) {
        return isWarmup(record.headers());
    }

    /** True when the headers mark a warm-up record. */
    public static boolean isWarmup(Headers headers) {
        Header h = headers.lastHeader(HEADER);
        return h != null && h.value() != null && h.value().length == 1 && h.value()[0] == '1';
    }

    /** The warm-up record for one partition. */
    public static ProducerRecord<byte[], byte[]> record(String topic, int partition) {
        return new ProducerRecord<>(topic, partition, HEADER.getBytes(StandardCharsets.US_ASCII), (byte[]) null,
                List.<Header>of(new RecordHeader(HEADER, ONE.clone())));
    }
}

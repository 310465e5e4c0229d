package dev.outflow.worker.internal;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Source;
import dev.outflow.core.delivery.Delivery;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** Test data for the poll loop's parts: messages, records and jobs without a broker. */
final class Jobs {
    static final TopicPartition TP = new TopicPartition("t.outbound", 0);
    static final Instant QUEUED = Instant.parse("2025-03-01T12:00:00Z");

    private Jobs() {
    }

    static OutboundMessage message(String id, String domain, String... recipients) {
        return new OutboundMessage(id, "sender@sender.test", List.of(recipients), domain,
                ByteBuffer.wrap("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8)), QUEUED.toEpochMilli(), 0, 0L,
                Map.of("k", "v"), null, new Source("api", "alice"), null, false, null);
    }

    static ConsumerRecord<byte[], byte[]> record(long offset, String key) {
        return new ConsumerRecord<>(TP.topic(), TP.partition(), offset, key.getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
    }

    static Job waiting(PartitionWindow w, long offset, String domain) {
        OutboundMessage m = message("m" + offset, domain, "u" + offset + "@" + domain);
        Delivery d = MessageCheck.check(m).delivery();
        return Job.deliverable(w, record(offset, domain), m, d);
    }
}

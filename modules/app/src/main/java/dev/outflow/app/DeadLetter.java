package dev.outflow.app;

import dev.outflow.codec.DlqRecords;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** One record of the dead-letter topic and what its headers say about it. */
record DeadLetter(ConsumerRecord<byte[], byte[]> record) {

    Instant timestamp() {
        return Instant.ofEpochMilli(record.timestamp());
    }

    /** The topic the record failed on, or null when the header is missing. */
    String sourceTopic() {
        return header(DlqRecords.SOURCE_TOPIC);
    }

    String source() {
        String t = sourceTopic();
        return t == null ? "?" : t + "[" + header(DlqRecords.SOURCE_PARTITION) + "]@" + header(DlqRecords.SOURCE_OFFSET);
    }

    /** The webhook endpoint a dead-lettered event was meant for (webhooks DLQ only), or null. */
    String endpoint() {
        return header(dev.outflow.webhooks.WebhookReplay.ENDPOINT_HEADER);
    }

    String reason() {
        String r = DlqRecords.reason(record.headers());
        return r == null ? "(no reason recorded)" : r;
    }

    String key() {
        return record.key() == null ? "-" : new String(record.key(), StandardCharsets.UTF_8);
    }

    private String header(String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}

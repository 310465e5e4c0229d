package dev.outflow.reporting.internal;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Warmup;

/**
 * Decodes event records. A decoded event goes on keyed by its message id; an undecodable record
 * goes on as a {@link DeadLetter} with the DLQ headers (reason, source topic, partition, offset)
 * and is counted; warm-up records and nulls are dropped. Never throws for bad input, so one bad
 * record cannot stop the application.
 */
final class EventDecoder implements Processor<byte[], byte[], String, Object> {
    private static final Logger log = LoggerFactory.getLogger(EventDecoder.class);

    private final RecordSerde<DeliveryEvent> serde;
    private final String dlqTopic;
    private final ReportingCounters counters;
    private ProcessorContext<String, Object> context;

    EventDecoder(RecordSerde<DeliveryEvent> serde, String dlqTopic, ReportingCounters counters) {
        this.serde = serde;
        this.dlqTopic = dlqTopic;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
        if (r.value() == null || Warmup.isWarmup(r.headers())) return;
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        DeliveryEvent e;
        try {
            e = serde.deserialize(topic, r.value());
            if (e.getMessageId() == null || e.getMessageId().isEmpty()) throw new IllegalArgumentException("event without messageId");
        } catch (RuntimeException ex) {
            counters.undecodable.incrementAndGet();
            String reason = "reporting cannot decode the event: " + ex.getMessage();
            RecordMetadata m = context.recordMetadata().orElse(null);
            log.warn("Skipping undecodable event {}-{}@{}: {}", topic, m == null ? -1 : m.partition(), m == null ? -1 : m.offset(), ex.getMessage());
            Headers h = DlqRecords.of(dlqTopic, topic, m == null ? -1 : m.partition(), m == null ? -1 : m.offset(),
                    r.key(), r.value(), r.headers(), reason).headers();
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            context.forward(new Record<String, Object>(key, new DeadLetter(r.value()), r.timestamp(), new RecordHeaders(h.toArray())));
            return;
        }
        counters.events.incrementAndGet();
        context.forward(new Record<String, Object>(e.getMessageId(), e, r.timestamp()));
    }
}

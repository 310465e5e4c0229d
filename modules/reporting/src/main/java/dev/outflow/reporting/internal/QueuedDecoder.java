package dev.outflow.reporting.internal;

import java.util.List;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Warmup;

/**
 * Turns first-attempt records of the outbound topic into {@link Queued} keyed by message id.
 * Retries (attempt > 0) and records parked while throttled add nothing tracking does not know.
 * Undecodable records are counted and skipped: the worker already sends them to the DLQ.
 */
final class QueuedDecoder implements Processor<byte[], byte[], String, Queued> {
    private final RecordSerde<OutboundMessage> serde;
    private final ReportingCounters counters;
    private ProcessorContext<String, Queued> context;

    QueuedDecoder(RecordSerde<OutboundMessage> serde, ReportingCounters counters) {
        this.serde = serde;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, Queued> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
        if (r.value() == null || Warmup.isWarmup(r.headers())) return;
        OutboundMessage m;
        try {
            m = serde.deserialize("outbound", r.value());
        } catch (RuntimeException e) {
            counters.undecodableOutbound.incrementAndGet();
            return;
        }
        if (m.getAttempt() > 0 || m.getThrottled() || m.getId() == null) return;
        Queued q = new Queued(m.getId(), m.getMailFrom(), m.getDomain(), List.copyOf(m.getRecipients()), m.getQueuedAt(),
                m.getBounceOf());
        context.forward(new Record<>(m.getId(), q, r.timestamp()));
    }
}

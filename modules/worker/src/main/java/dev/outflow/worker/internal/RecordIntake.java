package dev.outflow.worker.internal;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.RecordDecodeException;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Warmup;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a consumed record into a {@link Job}: warm-up records are done at once with no output;
 * undecodable ones are done with a DLQ copy; decodable but invalid messages (see
 * {@link MessageCheck}) with a DLQ copy and a REJECTED event; the rest wait for delivery.
 * Stateless apart from its parts; thread-safe.
 */
final class RecordIntake {
    private static final Logger log = LoggerFactory.getLogger(RecordIntake.class);

    private final RecordSerde<OutboundMessage> serde;
    private final OutputRecords outputs;
    private final Clock clock;

    RecordIntake(RecordSerde<OutboundMessage> serde, OutputRecords outputs, Clock clock) {
        this.serde = serde;
        this.outputs = outputs;
        this.clock = clock;
    }

    Job take(PartitionWindow w, ConsumerRecord<byte[], byte[]> r) {
        if (Warmup.isWarmup(r)) return Job.handled(w, r, null, List.of(), 0);
        if (r.value() == null) return Job.handled(w, r, null, outputs.deadLetter(r, "record has no value"), Job.DEAD_LETTER);
        OutboundMessage m;
        try {
            m = serde.deserialize(r.topic(), r.value());
        } catch (RecordDecodeException e) {
            log.warn("Undecodable record {}-{}@{} to the DLQ: {}", r.topic(), r.partition(), r.offset(), e.reason());
            return Job.handled(w, r, null, outputs.deadLetter(r, e.reason()), Job.DEAD_LETTER);
        } catch (RuntimeException e) {
            log.warn("Undecodable record {}-{}@{} to the DLQ: {}", r.topic(), r.partition(), r.offset(), e.toString());
            return Job.handled(w, r, null, outputs.deadLetter(r, "cannot decode: " + e), Job.DEAD_LETTER);
        }
        MessageCheck.Checked checked = MessageCheck.check(m);
        Rejection why = checked.rejection();
        if (why != null) {
            log.warn("Invalid message {} at {}-{}@{} rejected: {}", m.getId(), r.topic(), r.partition(), r.offset(), why.reason());
            return Job.handled(w, r, m, outputs.rejected(r, m, why, clock.instant()), Job.DEAD_LETTER | Job.REJECTED);
        }
        return Job.deliverable(w, r, m, checked.delivery());
    }

    /** A job whose delivery task itself failed (an Error): its record goes to the DLQ rather than being lost. */
    void failed(Job j) {
        j.outputs = outputs.deadLetter(j.record, "worker error: " + j.failure);
        j.kinds = Job.DEAD_LETTER;
        j.delivered = null;
    }
}

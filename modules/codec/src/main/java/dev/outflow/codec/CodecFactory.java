package dev.outflow.codec;

import org.apache.avro.specific.SpecificRecord;

import dev.outflow.avro.ControlCommand;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Submission;

/**
 * Serdes of one wire format (single-object or Confluent), per record type. Get one with
 * {@link Serdes#forConfig(String)}; the same factory returns the same serde instance per type.
 * Thread-safe.
 */
public interface CodecFactory {

    /** The serde for a generated record class. */
    <T extends SpecificRecord> RecordSerde<T> forType(Class<T> type);

    /** {@code single-object} or {@code confluent}. */
    String wireFormat();

    default RecordSerde<OutboundMessage> outboundMessage() {
        return forType(OutboundMessage.class);
    }

    default RecordSerde<DeliveryEvent> deliveryEvent() {
        return forType(DeliveryEvent.class);
    }

    default RecordSerde<ControlCommand> controlCommand() {
        return forType(ControlCommand.class);
    }

    default RecordSerde<Submission> submission() {
        return forType(Submission.class);
    }
}

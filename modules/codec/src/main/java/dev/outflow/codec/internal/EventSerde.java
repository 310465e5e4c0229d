package dev.outflow.codec.internal;

import org.apache.avro.Schema;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.codec.EventJson;
import dev.outflow.codec.RecordSerde;

/**
 * The serde of the event topics: writes Avro (the factory's wire format) or JSON
 * ({@code events.format=json}), and reads both, told apart per record, so that every reader keeps
 * working while the writers switch format.
 */
public final class EventSerde implements RecordSerde<DeliveryEvent> {
    private final RecordSerde<DeliveryEvent> avro;
    private final boolean writeJson;

    public EventSerde(RecordSerde<DeliveryEvent> avro, boolean writeJson) {
        this.avro = avro;
        this.writeJson = writeJson;
    }

    @Override
    public byte[] serialize(String topic, DeliveryEvent data) {
        if (data == null) return null;
        return writeJson ? EventJson.encode(data) : avro.serialize(topic, data);
    }

    @Override
    public DeliveryEvent deserialize(String topic, byte[] data) {
        if (data == null) return null;
        return EventJson.isJson(data) ? EventJson.decode(data) : avro.deserialize(topic, data);
    }

    @Override
    public Schema schema() {
        return avro.schema();
    }

    @Override
    public Class<DeliveryEvent> type() {
        return DeliveryEvent.class;
    }
}

package dev.outflow.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.codec.internal.NaturalJson;

/**
 * A {@link DeliveryEvent} as a JSON object, the one JSON form of an event: what
 * {@code events.format=json} writes to the event topics, what {@code outflow events} prints and
 * what webhooks post. Published as JSON Schema in {@code docs/events.schema.json}. Field names are
 * the Avro ones; null fields are left out; enums are their symbol; the message embedded in a
 * DEFERRED event is complete (its {@code contents} base64), so the scheduler can retry from a
 * JSON event. Decoding takes schema defaults for missing fields and ignores unknown ones.
 * Stateless, thread-safe.
 */
public final class EventJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventJson() {
    }

    public static ObjectNode of(DeliveryEvent e) {
        return (ObjectNode) NaturalJson.write(e, DeliveryEvent.getClassSchema());
    }

    /** UTF-8 JSON bytes of {@link #of}. */
    public static byte[] encode(DeliveryEvent e) {
        return of(e).toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @throws RecordDecodeException when the bytes are not JSON or do not fit the event schema (the message names the field)
     */
    public static DeliveryEvent decode(byte[] json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new RecordDecodeException("event is not valid JSON: " + e.getMessage(), e);
        }
        try {
            return (DeliveryEvent) NaturalJson.read(n, DeliveryEvent.getClassSchema(), "event");
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new RecordDecodeException("JSON event does not fit the schema: " + e.getMessage(), e);
        }
    }

    /** True when a record value is a JSON event (its first non-blank byte is '{'); Avro encodings never start so. */
    public static boolean isJson(byte[] value) {
        if (value == null) return false;
        for (byte b : value) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') continue;
            return b == '{';
        }
        return false;
    }
}

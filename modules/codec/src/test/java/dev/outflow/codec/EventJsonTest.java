package dev.outflow.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.DsnOptions;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientDsnOptions;
import dev.outflow.avro.RecipientStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * events.format=json: the JSON of an event fits the published JSON Schema (docs/events.schema.json),
 * decodes back to the same event (a DEFERRED event keeps its whole message, so the scheduler can
 * retry it), and every factory's event serde reads both encodings.
 */
class EventJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCHEMA = Path.of("../../docs/events.schema.json");

    static DeliveryEvent deferredWithDsn() {
        DeliveryEvent e = Samples.deliveryEvent();
        e.getMessage().setDsn(DsnOptions.newBuilder().setRet("HDRS").setEnvid("env-1")
                .setRecipients(Map.of("a@example.com", RecipientDsnOptions.newBuilder().setNotify("FAILURE,DELAY").build())).build());
        return e;
    }

    static DeliveryEvent delivered() {
        return DeliveryEvent.newBuilder().setMessageId("m-1").setOutcome(Outcome.DELIVERED)
                .setRecipients(List.of(RecipientStatus.newBuilder().setAddress("a@example.com").setCode(250).setResponse("ok").build()))
                .setAt(1_700_000_000_000L).build();
    }

    @Test
    void jsonRoundTripsEveryField() {
        for (DeliveryEvent e : List.of(deferredWithDsn(), delivered())) {
            byte[] json = EventJson.encode(e);
            assertThat(EventJson.isJson(json)).isTrue();
            assertThat(EventJson.decode(json)).isEqualTo(e);
        }
    }

    @Test
    void jsonFitsThePublishedSchema() throws Exception {
        JsonNode schema = JSON.readTree(SCHEMA.toFile());
        for (DeliveryEvent e : List.of(deferredWithDsn(), delivered())) {
            JsonNode event = EventJson.of(e);
            List<String> problems = new ArrayList<>();
            validate(event, schema, schema, "event", problems);
            assertThat(problems).as(event.toString()).isEmpty();
        }
        // The validator is not a rubber stamp.
        List<String> problems = new ArrayList<>();
        JsonNode bad = JSON.readTree("{\"messageId\":1,\"outcome\":\"LOST\",\"recipients\":[{}],\"extra\":true}");
        validate(bad, schema, schema, "event", problems);
        assertThat(problems).contains("event.messageId: not string", "event.outcome: not one of the enum",
                "event.recipients[0]: missing address", "event: missing at", "event.extra: not in the schema");
    }

    @Test
    void everyEventSerdeReadsBothEncodingsAndWritesTheConfiguredOne() {
        DeliveryEvent e = deferredWithDsn();
        RecordSerde<DeliveryEvent> avro = Serdes.forConfig(null, "avro").deliveryEvent();
        RecordSerde<DeliveryEvent> json = Serdes.forConfig(null, "json").deliveryEvent();

        byte[] asAvro = avro.serialize("t", e);
        byte[] asJson = json.serialize("t", e);
        assertThat(asAvro[0]).isEqualTo(AvroSerde.MARKER_0);
        assertThat(new String(asJson, UTF_8)).startsWith("{\"messageId\":");
        assertThat(avro.deserialize("t", asJson)).isEqualTo(e);
        assertThat(json.deserialize("t", asAvro)).isEqualTo(e);
        assertThat(Serdes.singleObject().deliveryEvent().deserialize("t", asJson)).isEqualTo(e);
    }

    @Test
    void badJsonIsADecodeErrorNamingTheField() {
        assertThatThrownBy(() -> EventJson.decode("{\"messageId\":\"m\",\"outcome\":\"DELIVERED\",\"recipients\":[],\"at\":\"soon\"}".getBytes(UTF_8)))
                .isInstanceOf(RecordDecodeException.class).hasMessageContaining("event.at is not a long");
        assertThatThrownBy(() -> EventJson.decode("{\"messageId\":".getBytes(UTF_8)))
                .isInstanceOf(RecordDecodeException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Serdes.forConfig(null, "xml")).isInstanceOf(IllegalArgumentException.class);
    }

    /** The subset of JSON Schema the published schema uses: $ref, allOf, type, enum, properties, required, items, additionalProperties. */
    private static void validate(JsonNode v, JsonNode s, JsonNode root, String path, List<String> problems) {
        if (s.has("$ref")) {
            String ref = s.get("$ref").asText();
            validate(v, root.at(ref.substring(1)), root, path, problems);
            return;
        }
        if (s.has("allOf")) for (JsonNode sub : s.get("allOf")) validate(v, sub, root, path, problems);
        if (s.has("type")) {
            String t = s.get("type").asText();
            boolean ok = switch (t) {
                case "string" -> v.isTextual();
                case "integer" -> v.isIntegralNumber();
                case "number" -> v.isNumber();
                case "boolean" -> v.isBoolean();
                case "object" -> v.isObject();
                case "array" -> v.isArray();
                default -> false;
            };
            if (!ok) {
                problems.add(path + ": not " + t);
                return;
            }
        }
        if (s.has("enum")) {
            boolean found = false;
            for (JsonNode option : s.get("enum")) found |= option.equals(v);
            if (!found) problems.add(path + ": not one of the enum");
        }
        if (v.isObject() && (s.has("properties") || s.has("additionalProperties"))) {
            if (s.has("required")) for (JsonNode r : s.get("required")) if (!v.has(r.asText())) problems.add(path + ": missing " + r.asText());
            JsonNode props = s.get("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                var f = it.next();
                if (props != null && props.has(f.getKey())) {
                    validate(f.getValue(), props.get(f.getKey()), root, path + "." + f.getKey(), problems);
                } else if (s.has("additionalProperties") && s.get("additionalProperties").isObject()) {
                    validate(f.getValue(), s.get("additionalProperties"), root, path + "." + f.getKey(), problems);
                } else {
                    // Stricter than the schema (which lets readers ignore new properties): catches drift from the .avsc.
                    problems.add(path + "." + f.getKey() + ": not in the schema");
                }
            }
        }
        if (v.isArray() && s.has("items")) {
            int i = 0;
            for (JsonNode item : v) validate(item, s.get("items"), root, path + "[" + i++ + "]", problems);
        }
    }
}

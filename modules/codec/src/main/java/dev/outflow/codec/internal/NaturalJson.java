package dev.outflow.codec.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Avro records as plain JSON, driven by the schema, both ways: records are objects with the
 * field names, null fields are left out, {@code ["null", X]} unions are X or absent, enums are
 * their symbol, bytes are base64 strings, maps are objects. Unlike Avro's own JSON encoding
 * (which wraps union values as {@code {"string": …}}), this is what a Python or Go consumer
 * expects, and it decodes back to the same record. Stateless, thread-safe.
 */
public final class NaturalJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private NaturalJson() {
    }

    public static JsonNode write(Object value, Schema schema) {
        if (value == null) return F.nullNode();
        return switch (schema.getType()) {
            case RECORD -> {
                IndexedRecord r = (IndexedRecord) value;
                ObjectNode o = F.objectNode();
                for (Schema.Field f : schema.getFields()) {
                    Object v = r.get(f.pos());
                    if (v != null) o.set(f.name(), write(v, f.schema()));
                }
                yield o;
            }
            case UNION -> write(value, nonNull(schema));
            case STRING -> F.textNode(value.toString());
            case BYTES -> {
                ByteBuffer b = ((ByteBuffer) value).duplicate();
                byte[] a = new byte[b.remaining()];
                b.get(a);
                yield F.textNode(Base64.getEncoder().encodeToString(a));
            }
            case INT -> F.numberNode((Integer) value);
            case LONG -> F.numberNode((Long) value);
            case FLOAT -> F.numberNode((Float) value);
            case DOUBLE -> F.numberNode((Double) value);
            case BOOLEAN -> F.booleanNode((Boolean) value);
            case ENUM -> F.textNode(value.toString());
            case ARRAY -> {
                ArrayNode a = F.arrayNode();
                for (Object item : (Iterable<?>) value) a.add(write(item, schema.getElementType()));
                yield a;
            }
            case MAP -> {
                ObjectNode o = F.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) o.set(e.getKey().toString(), write(e.getValue(), schema.getValueType()));
                yield o;
            }
            default -> throw new IllegalArgumentException("no JSON mapping for Avro type " + schema.getType());
        };
    }

    /**
     * Decodes into the generated class of {@code schema}. Missing fields take their schema
     * default; unknown fields are ignored (a newer writer may add some).
     *
     * @throws IllegalArgumentException naming the field path when the JSON does not fit the schema
     */
    public static Object read(JsonNode n, Schema schema, String path) {
        if (n == null || n.isNull()) {
            if (schema.getType() == Schema.Type.UNION && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL)) return null;
            if (schema.getType() == Schema.Type.NULL) return null;
            throw new IllegalArgumentException(path + " is missing");
        }
        return switch (schema.getType()) {
            case RECORD -> {
                if (!n.isObject()) throw new IllegalArgumentException(path + " is not an object");
                IndexedRecord r = (IndexedRecord) SpecificData.get().newRecord(null, schema);
                for (Schema.Field f : schema.getFields()) {
                    JsonNode v = n.get(f.name());
                    if ((v == null || v.isNull()) && f.hasDefaultValue()) {
                        r.put(f.pos(), SpecificData.get().getDefaultValue(f));
                    } else {
                        r.put(f.pos(), read(v, f.schema(), path + "." + f.name()));
                    }
                }
                yield r;
            }
            case UNION -> read(n, nonNull(schema), path);
            case STRING -> text(n, path);
            case BYTES -> {
                try {
                    yield ByteBuffer.wrap(Base64.getDecoder().decode(text(n, path)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(path + " is not base64");
                }
            }
            case INT -> {
                if (!n.canConvertToInt() || !n.isIntegralNumber()) throw new IllegalArgumentException(path + " is not an int");
                yield n.intValue();
            }
            case LONG -> {
                if (!n.isIntegralNumber() || !n.canConvertToLong()) throw new IllegalArgumentException(path + " is not a long");
                yield n.longValue();
            }
            case FLOAT -> number(n, path).floatValue();
            case DOUBLE -> number(n, path).doubleValue();
            case BOOLEAN -> {
                if (!n.isBoolean()) throw new IllegalArgumentException(path + " is not true/false");
                yield n.booleanValue();
            }
            case ENUM -> {
                String s = text(n, path);
                if (!schema.hasEnumSymbol(s)) {
                    if (schema.getEnumDefault() == null) throw new IllegalArgumentException(path + ": unknown symbol " + s);
                    s = schema.getEnumDefault();
                }
                yield SpecificData.get().createEnum(s, schema);
            }
            case ARRAY -> {
                if (!n.isArray()) throw new IllegalArgumentException(path + " is not an array");
                List<Object> out = new ArrayList<>(n.size());
                int i = 0;
                for (JsonNode item : n) out.add(read(item, schema.getElementType(), path + "[" + i++ + "]"));
                yield out;
            }
            case MAP -> {
                if (!n.isObject()) throw new IllegalArgumentException(path + " is not an object");
                Map<String, Object> out = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    var e = it.next();
                    out.put(e.getKey(), read(e.getValue(), schema.getValueType(), path + "." + e.getKey()));
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("no JSON mapping for Avro type " + schema.getType());
        };
    }

    private static Schema nonNull(Schema union) {
        for (Schema s : union.getTypes()) if (s.getType() != Schema.Type.NULL) return s;
        throw new IllegalArgumentException("union without a non-null branch: " + union);
    }

    private static String text(JsonNode n, String path) {
        if (!n.isTextual()) throw new IllegalArgumentException(path + " is not a string");
        return n.textValue();
    }

    private static Number number(JsonNode n, String path) {
        if (!n.isNumber()) throw new IllegalArgumentException(path + " is not a number");
        return n.numberValue();
    }
}

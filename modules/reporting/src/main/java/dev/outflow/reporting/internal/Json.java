package dev.outflow.reporting.internal;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The JSON mapper of reporting (state store values, repartition records, the API) and its serdes. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private Json() {
    }

    public static byte[] bytes(Object o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A serde of {@code type} as JSON; null stays null (tombstones). */
    public static <T> Serde<T> serde(Class<T> type) {
        // Readers and writers bound to the type once: state stores call these for every event.
        ObjectWriter writer = MAPPER.writerFor(type);
        ObjectReader reader = MAPPER.readerFor(type);
        Serializer<T> ser = (topic, v) -> {
            if (v == null) return null;
            try {
                return writer.writeValueAsBytes(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Deserializer<T> de = (topic, b) -> {
            if (b == null) return null;
            try {
                return reader.readValue(b);
            } catch (IOException e) {
                throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic + ": " + e.getMessage(), e);
            }
        };
        return org.apache.kafka.common.serialization.Serdes.serdeFrom(ser, de);
    }
}

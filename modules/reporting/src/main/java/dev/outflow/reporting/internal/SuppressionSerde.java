package dev.outflow.reporting.internal;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionRecords;

/**
 * {@link SuppressionRecords} as a serde. A record that does not decode reads as null (logged), so a
 * bad record written by hand to the suppressions topic cannot stop the global table.
 */
final class SuppressionSerde {
    private static final Logger log = LoggerFactory.getLogger(SuppressionSerde.class);

    private SuppressionSerde() {
    }

    static Serde<Suppression> create() {
        Serializer<Suppression> ser = (topic, s) -> s == null ? null : SuppressionRecords.encode(s);
        Deserializer<Suppression> de = (topic, b) -> {
            try {
                return SuppressionRecords.decode(b);
            } catch (IllegalArgumentException e) {
                log.warn("Ignoring undecodable record of {}: {}", topic, e.getMessage());
                return null;
            }
        };
        return Serdes.serdeFrom(ser, de);
    }
}

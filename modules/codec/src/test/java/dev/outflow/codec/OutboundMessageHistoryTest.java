package dev.outflow.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.avro.DsnOptions;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.RecipientDsnOptions;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** OutboundMessage v1 (before the RFC 3461 options) is in the schema history, and its records decode with dsn = null. */
class OutboundMessageHistoryTest {
    @Test
    void v1RecordsDecodeWithoutDsnOptions() {
        Schema v1 = SchemaHistory.schemas().stream().filter(s -> s.getName().equals("OutboundMessage") && s.getField("dsn") == null)
                .findFirst().orElseThrow();
        GenericRecord source = new GenericData.Record(v1.getField("source").schema());
        source.put("channel", "smtp");
        GenericRecord old = new GenericData.Record(v1);
        old.put("id", "v1-1");
        old.put("mailFrom", "a@example.org");
        old.put("recipients", List.of("x@example.com"));
        old.put("domain", "example.com");
        old.put("contents", ByteBuffer.wrap(Samples.contents(50)));
        old.put("queuedAt", 1L);
        old.put("attempt", 1);
        old.put("notBefore", 2L);
        old.put("notes", Map.of());
        old.put("source", source);
        old.put("throttled", true);

        OutboundMessage m = Serdes.outboundMessage().decode(AvroSerdeTest.toArray(AvroSerdeTest.encodeWithAvro(v1, old)));

        assertThat(m.getId()).isEqualTo("v1-1");
        assertThat(m.getThrottled()).isTrue();
        assertThat(m.getDsn()).isNull();
    }

    @Test
    void v1DeliveryEventsWithAnEmbeddedV1MessageDecode() {
        Schema v1 = SchemaHistory.schemas().stream().filter(s -> s.getName().equals("DeliveryEvent")).findFirst().orElseThrow();
        dev.outflow.avro.DeliveryEvent current = Samples.deliveryEvent();
        // The current event written with the v1 writer schema (the embedded message has no dsn field).
        GenericRecord old = (GenericRecord) GenericData.get().deepCopy(v1, toGeneric(current, v1));
        dev.outflow.avro.DeliveryEvent back = Serdes.deliveryEvent().decode(AvroSerdeTest.toArray(AvroSerdeTest.encodeWithAvro(v1, old)));
        assertThat(back.getMessageId()).isEqualTo(current.getMessageId());
        if (back.getMessage() != null) assertThat(back.getMessage().getDsn()).isNull();
    }

    /** A specific record as a generic one of another (compatible) schema, through Avro's JSON-free resolution. */
    private static GenericRecord toGeneric(org.apache.avro.specific.SpecificRecord r, Schema writer) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
            new org.apache.avro.specific.SpecificDatumWriter<>(r.getSchema()).write(r, enc);
            enc.flush();
            var dec = org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
            return new org.apache.avro.generic.GenericDatumReader<GenericRecord>(r.getSchema(), writer).read(null, dec);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void dsnOptionsRoundTrip() {
        OutboundMessage m = Samples.outboundMessage();
        m.setDsn(new DsnOptions("HDRS", "env+2B1", Map.of("x@example.com", new RecipientDsnOptions("SUCCESS,DELAY", "rfc822;x+40y")), true));
        OutboundMessage back = Serdes.outboundMessage().decode(Serdes.outboundMessage().encode(m));
        assertThat(back.getDsn()).isEqualTo(m.getDsn());
    }
}

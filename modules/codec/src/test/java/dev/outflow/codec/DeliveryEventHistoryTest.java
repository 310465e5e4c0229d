package dev.outflow.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.avro.DeliveryEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** DeliveryEvent v2 (before tlsPolicy) is in the schema history: its records decode with tlsPolicy = null. */
class DeliveryEventHistoryTest {
    @Test
    void v2EventsWithoutTheTlsPolicyFieldDecode() throws IOException {
        Schema v2 = SchemaHistory.schemas().stream()
                .filter(s -> s.getName().equals("DeliveryEvent") && s.getField("tlsPolicy") == null && s.toString().contains("\"dsn\""))
                .findFirst().orElseThrow();
        DeliveryEvent current = Samples.deliveryEvent();
        current.setTlsPolicy("verify");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<DeliveryEvent>(DeliveryEvent.getClassSchema()).write(current, enc);
        enc.flush();
        GenericRecord old = new GenericDatumReader<GenericRecord>(DeliveryEvent.getClassSchema(), v2)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        DeliveryEvent back = Serdes.deliveryEvent().decode(AvroSerdeTest.toArray(AvroSerdeTest.encodeWithAvro(v2, old)));

        assertThat(back.getMessageId()).isEqualTo(current.getMessageId());
        assertThat(back.getTls()).isEqualTo(current.getTls());
        assertThat(back.getTlsPolicy()).isNull();
    }

    @Test
    void theTlsPolicyRoundTrips() {
        DeliveryEvent e = Samples.deliveryEvent();
        e.setTlsPolicy("mta-sts/enforce");
        assertThat(Serdes.deliveryEvent().decode(Serdes.deliveryEvent().encode(e)).getTlsPolicy()).isEqualTo("mta-sts/enforce");
    }
}

package dev.outflow.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.outflow.avro.ControlCommand;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Submission;

class AvroSerdeTest {
    /** OutboundMessage as first written: no notes, bounceOf, lastError, throttled; Source without user. */
    static final String OUTBOUND_V0 = """
            {"type": "record", "name": "OutboundMessage", "namespace": "dev.outflow.avro", "fields": [
              {"name": "id", "type": "string"},
              {"name": "mailFrom", "type": "string"},
              {"name": "recipients", "type": {"type": "array", "items": "string"}},
              {"name": "domain", "type": "string"},
              {"name": "contents", "type": "bytes"},
              {"name": "queuedAt", "type": "long"},
              {"name": "attempt", "type": "int", "default": 0},
              {"name": "notBefore", "type": "long", "default": 0},
              {"name": "source", "type": {"type": "record", "name": "Source", "fields": [
                {"name": "channel", "type": "string"}]}}
            ]}""";

    @Test
    void everyRecordTypeRoundTrips() {
        assertRoundTrip(Serdes.outboundMessage(), Samples.outboundMessage());
        assertRoundTrip(Serdes.deliveryEvent(), Samples.deliveryEvent());
        assertRoundTrip(Serdes.controlCommand(), Samples.controlCommand());
        assertRoundTrip(Serdes.submission(), Samples.submission());
    }

    @Test
    void defaultsAndEmptyValuesRoundTrip() {
        OutboundMessage minimal = OutboundMessage.newBuilder().setId("").setMailFrom("").setRecipients(List.of())
                .setDomain("d").setContents(ByteBuffer.allocate(0)).setQueuedAt(0)
                .setSource(dev.outflow.avro.Source.newBuilder().setChannel("api").build()).build();
        assertRoundTrip(Serdes.outboundMessage(), minimal);
        OutboundMessage back = Serdes.outboundMessage().decode(Serdes.outboundMessage().encode(minimal));
        assertThat(back.getBounceOf()).isNull();
        assertThat(back.getNotes()).isEmpty();
    }

    @Test
    void isByteCompatibleWithAvrosBinaryMessageEncoding() throws Exception {
        OutboundMessage m = Samples.outboundMessage();
        byte[] ours = Serdes.outboundMessage().encode(m);
        ByteBuffer theirs = m.toByteBuffer();
        assertThat(ours).isEqualTo(toArray(theirs));
        assertThat(OutboundMessage.fromByteBuffer(ByteBuffer.wrap(ours))).isEqualTo(m);
        assertThat(Serdes.deliveryEvent().decode(toArray(Samples.deliveryEvent().toByteBuffer())))
                .isEqualTo(Samples.deliveryEvent());
    }

    @Test
    void recordsWrittenWithAnOlderSchemaVersionDecodeWithDefaults() {
        Schema v0 = new Schema.Parser().parse(OUTBOUND_V0);
        GenericRecord source = new GenericData.Record(v0.getField("source").schema());
        source.put("channel", "cli");
        GenericRecord old = new GenericData.Record(v0);
        old.put("id", "old-1");
        old.put("mailFrom", "a@example.org");
        old.put("recipients", List.of("x@example.com"));
        old.put("domain", "example.com");
        old.put("contents", ByteBuffer.wrap(Samples.contents(100)));
        old.put("queuedAt", 42L);
        old.put("attempt", 2);
        old.put("notBefore", 7L);
        old.put("source", source);
        byte[] bytes = toArray(encodeWithAvro(v0, old));

        SchemaStore.Cache history = new SchemaStore.Cache();
        history.addSchema(v0);
        OutboundMessage m = AvroSerde.of(OutboundMessage.class, history).deserialize("t", bytes);

        assertThat(m.getId()).isEqualTo("old-1");
        assertThat(m.getRecipients()).containsExactly("x@example.com");
        assertThat(m.getContents()).isEqualTo(ByteBuffer.wrap(Samples.contents(100)));
        assertThat(m.getQueuedAt()).isEqualTo(42L);
        assertThat(m.getAttempt()).isEqualTo(2);
        assertThat(m.getNotBefore()).isEqualTo(7L);
        assertThat(m.getSource().getChannel()).isEqualTo("cli");
        assertThat(m.getSource().getUser()).isNull();
        assertThat(m.getNotes()).isEmpty();
        assertThat(m.getBounceOf()).isNull();
        assertThat(m.getLastError()).isNull();
        assertThat(m.getThrottled()).isFalse();

        // Without the old schema the record is reported, not misread.
        assertThatThrownBy(() -> AvroSerde.of(OutboundMessage.class).deserialize("t", bytes))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("unknown schema fingerprint")
                .hasMessageContaining(String.format("%016X", SchemaNormalization.parsingFingerprint64(v0)));
    }

    @Test
    void recordsFromANewerWriterSkipFieldsThisVersionDoesNotKnow() throws Exception {
        // A future OutboundMessage with extra fields of every shape, written with block-sized arrays/maps.
        String json = OutboundMessage.getClassSchema().toString().replace("\"fields\":[{\"name\":\"id\"",
                "\"fields\":[{\"name\":\"extraArray\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[]},"
                        + "{\"name\":\"extraMap\",\"type\":{\"type\":\"map\",\"values\":\"long\"},\"default\":{}},"
                        + "{\"name\":\"extraBytes\",\"type\":\"bytes\",\"default\":\"\"},"
                        + "{\"name\":\"extraFixed\",\"type\":{\"type\":\"fixed\",\"name\":\"Sixteen\",\"size\":16},\"default\":\"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\"},"
                        + "{\"name\":\"extraDouble\",\"type\":\"double\",\"default\":0},"
                        + "{\"name\":\"extraFloat\",\"type\":\"float\",\"default\":0},"
                        + "{\"name\":\"id\"");
        Schema newer = new Schema.Parser().parse(json);
        GenericRecord r = new GenericData.Record(newer);
        OutboundMessage sample = Samples.outboundMessage();
        for (Schema.Field f : OutboundMessage.getClassSchema().getFields()) {
            r.put(f.name(), GenericData.get().deepCopy(f.schema(), sample.get(f.name())));
        }
        r.put("extraArray", List.of("p", "q", "r"));
        r.put("extraMap", Map.of("a", 1L, "b", 2L));
        r.put("extraBytes", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        r.put("extraFixed", new GenericData.Fixed(newer.getField("extraFixed").schema(), new byte[16]));
        r.put("extraDouble", 1.5);
        r.put("extraFloat", 2.5f);

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder blocking = EncoderFactory.get().blockingBinaryEncoder(body, null);
        new GenericDatumWriter<GenericRecord>(newer).write(r, blocking);
        blocking.flush();
        byte[] bytes = concat(singleObjectHeader(newer), body.toByteArray());

        SchemaStore.Cache store = new SchemaStore.Cache();
        store.addSchema(newer);
        assertThat(AvroSerde.of(OutboundMessage.class, store).decode(bytes)).isEqualTo(sample);
    }

    @Test
    void garbageThrowsRecordDecodeExceptionWithAReason() {
        AvroSerde<OutboundMessage> serde = Serdes.outboundMessage();
        byte[] valid = serde.encode(Samples.outboundMessage());

        assertDecodeFails(serde, new byte[0], "only 0 bytes");
        assertDecodeFails(serde, "hello world, not avro".getBytes(), "header 68 65, expected C3 01");
        assertDecodeFails(serde, new byte[] {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7}, "Confluent wire format");
        assertDecodeFails(serde, Arrays.copyOf(valid, valid.length / 2), "malformed OutboundMessage");
        assertDecodeFails(serde, Arrays.copyOf(valid, 10), "malformed OutboundMessage");
        assertDecodeFails(serde, concat(valid, new byte[] {0}), "1 unexpected bytes after the record");
        byte[] unknown = valid.clone();
        unknown[5] ^= 0x55;
        assertDecodeFails(serde, unknown, "unknown schema fingerprint");
        assertThat(serde.deserialize("t", null)).isNull();
        assertThat(serde.serialize("t", null)).isNull();
    }

    @Test
    void hugeDeclaredLengthsFailFastInsteadOfAllocating() {
        AvroSerde<OutboundMessage> serde = Serdes.outboundMessage();
        byte[] header = Arrays.copyOf(serde.encode(Samples.outboundMessage()), AvroSerde.HEADER_LENGTH);
        // id: string of length 2^30 (zig-zag varint), then nothing.
        byte[] hugeString = concat(header, new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
        assertDecodeFails(serde, hugeString, "string of 1073741824 bytes but only 0 left");
        // A valid id and mailFrom, then an array claiming 2^30 recipients.
        byte[] hugeArray = concat(header, new byte[] {2, 'a', 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
        assertDecodeFails(serde, hugeArray, "block of 1073741824 items");
    }

    @Test
    void randomlyCorruptedRecordsEitherDecodeOrThrowRecordDecodeException() {
        AvroSerde<DeliveryEvent> serde = Serdes.deliveryEvent();
        byte[] valid = serde.encode(Samples.deliveryEvent());
        Random random = new Random(20240601);
        int rejected = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] bad = random.nextInt(4) == 0 ? Arrays.copyOf(valid, random.nextInt(valid.length)) : valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips && bad.length > AvroSerde.HEADER_LENGTH; f++) {
                int at = AvroSerde.HEADER_LENGTH + random.nextInt(bad.length - AvroSerde.HEADER_LENGTH);
                bad[at] = (byte) random.nextInt(256);
            }
            try {
                serde.decode(bad);
            } catch (RecordDecodeException e) {
                assertThat(e.reason()).isNotBlank();
                rejected++;
            }
        }
        // Most flips land in the 2 KB of contents and still decode; the rest must be rejected cleanly.
        assertThat(rejected).isGreaterThan(500);
    }

    @Test
    void serdesIsAKafkaSerdeOfItself() {
        AvroSerde<ControlCommand> serde = Serdes.controlCommand();
        assertThat(serde.serializer()).isSameAs(serde);
        assertThat(serde.deserializer()).isSameAs(serde);
        assertThat(serde.type()).isEqualTo(ControlCommand.class);
        assertThat(Serdes.controlCommand()).isSameAs(serde);
        assertThat(serde.deserialize("t", serde.serialize("t", Samples.controlCommand()))).isEqualTo(Samples.controlCommand());
    }

    @Test
    void encodingAnInvalidRecordIsASerializationException() {
        Submission invalid = Samples.submission();
        invalid.setMailFrom(null);
        assertThatThrownBy(() -> Serdes.submission().serialize("t", invalid))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                .isNotInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("cannot encode Submission");
        // The pooled encoder is still usable afterwards.
        assertRoundTrip(Serdes.submission(), Samples.submission());
    }

    @Test
    void concurrentUseFromManyVirtualThreadsIsSafe() throws Exception {
        AvroSerde<DeliveryEvent> serde = Serdes.deliveryEvent();
        DeliveryEvent e = Samples.deliveryEvent();
        byte[] expected = serde.encode(e);
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                results.add(executor.submit(() -> Arrays.equals(serde.encode(e), expected) && serde.decode(expected).equals(e)));
            }
            for (var r : results) {
                assertThat(r.get()).isTrue();
            }
        }
    }

    static <T extends SpecificRecord> void assertRoundTrip(RecordSerde<T> serde, T value) {
        byte[] bytes = serde.serialize("topic", value);
        assertThat(serde.deserialize("topic", bytes)).isEqualTo(value);
        // Twice, so pooled encoders and decoders are reused.
        assertThat(serde.serialize("topic", value)).isEqualTo(bytes);
        assertThat(serde.deserialize("topic", bytes)).isEqualTo(value);
    }

    static void assertDecodeFails(AvroSerde<?> serde, byte[] bytes, String reason) {
        assertThatThrownBy(() -> serde.deserialize("t", bytes))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((RecordDecodeException) e).reason()).isEqualTo(e.getMessage()));
    }

    static ByteBuffer encodeWithAvro(Schema schema, GenericRecord record) {
        try {
            return new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] singleObjectHeader(Schema schema) {
        long fp = SchemaNormalization.parsingFingerprint64(schema);
        byte[] h = new byte[10];
        h[0] = (byte) 0xC3;
        h[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) (fp >>> (8 * i));
        }
        return h;
    }

    static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

package dev.outflow.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;

class ConfluentSerdeTest {
    private FakeSchemaRegistry registry;
    private SchemaRegistryClient client;

    @BeforeEach
    void start() throws Exception {
        registry = new FakeSchemaRegistry();
        client = new SchemaRegistryClient(registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void writesMagicByteSchemaIdAndAvroBinaryAndRegistersOncePerTopic() {
        ConfluentSerde<OutboundMessage> serde = new ConfluentSerde<>(OutboundMessage.class, client);
        OutboundMessage m = Samples.outboundMessage();

        byte[] first = serde.serialize("outflow.outbound", m);
        byte[] second = serde.serialize("outflow.outbound", m);

        assertThat(first).isEqualTo(second);
        assertThat(first[0]).isEqualTo((byte) 0);
        int id = ByteBuffer.wrap(first, 1, 4).getInt();
        assertThat(id).isEqualTo(100);
        assertThat(Arrays.copyOfRange(first, 5, first.length)).isEqualTo(plainAvro(OutboundMessage.getClassSchema(), m));
        assertThat(registry.requests).containsExactly("POST /subjects/outflow.outbound-value/versions");

        serde.serialize("outflow.delay.1m", m);
        assertThat(registry.requests).containsExactly("POST /subjects/outflow.outbound-value/versions",
                "POST /subjects/outflow.delay.1m-value/versions");
    }

    @Test
    void readsWriterSchemasByIdAndFetchesEachOnlyOnce() {
        ConfluentSerde<DeliveryEvent> writer = new ConfluentSerde<>(DeliveryEvent.class, client);
        byte[] bytes = writer.serialize("outflow.deferred", Samples.deliveryEvent());

        ConfluentSerde<DeliveryEvent> reader = new ConfluentSerde<>(DeliveryEvent.class, new SchemaRegistryClient(registry.url()));
        for (int i = 0; i < 5; i++) {
            assertThat(reader.deserialize("outflow.deferred", bytes)).isEqualTo(Samples.deliveryEvent());
        }
        assertThat(registry.requests).containsExactly("POST /subjects/outflow.deferred-value/versions", "GET /schemas/ids/100");
    }

    @Test
    void decodesRecordsOfAnOlderSchemaVersionRegisteredByAnotherWriter() {
        Schema v0 = new Schema.Parser().parse(AvroSerdeTest.OUTBOUND_V0);
        int id = registry.preload(v0);
        GenericRecord source = new GenericData.Record(v0.getField("source").schema());
        source.put("channel", "kafka");
        GenericRecord old = new GenericData.Record(v0);
        old.put("id", "m1");
        old.put("mailFrom", "");
        old.put("recipients", List.of("r@example.com"));
        old.put("domain", "example.com");
        old.put("contents", ByteBuffer.wrap(new byte[] {1, 2}));
        old.put("queuedAt", 5L);
        old.put("attempt", 0);
        old.put("notBefore", 0L);
        old.put("source", source);
        byte[] bytes = AvroSerdeTest.concat(new byte[] {0, 0, 0, 0, (byte) id}, plainAvro(v0, old));

        OutboundMessage m = new ConfluentSerde<>(OutboundMessage.class, client).deserialize("t", bytes);
        assertThat(m.getId()).isEqualTo("m1");
        assertThat(m.getSource().getChannel()).isEqualTo("kafka");
        assertThat(m.getThrottled()).isFalse();
    }

    @Test
    void undecodableRecordsAreRecordDecodeExceptionsAndRegistryOutagesAreNot() {
        ConfluentSerde<OutboundMessage> serde = new ConfluentSerde<>(OutboundMessage.class, client);
        byte[] valid = serde.serialize("t", Samples.outboundMessage());

        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {0, 0}))
                .isInstanceOf(RecordDecodeException.class).hasMessageContaining("only 2 bytes");
        assertThatThrownBy(() -> serde.deserialize("t", "{\"json\": true}".getBytes()))
                .isInstanceOf(RecordDecodeException.class).hasMessageContaining("magic byte 7B, expected 00");
        byte[] singleObject = Serdes.outboundMessage().encode(Samples.outboundMessage());
        singleObject[4] ^= 1;
        assertThatThrownBy(() -> serde.deserialize("t", singleObject))
                .isInstanceOf(RecordDecodeException.class).hasMessageContaining("unknown schema fingerprint");
        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {0, 0, 0, 0x30, 0x39, 1, 2}))
                .isInstanceOf(RecordDecodeException.class).hasMessageContaining("unknown schema id 12345");
        assertThatThrownBy(() -> serde.deserialize("t", Arrays.copyOf(valid, valid.length - 3)))
                .isInstanceOf(RecordDecodeException.class).hasMessageContaining("malformed OutboundMessage (schema id 100)");

        registry.failWith = 500;
        ConfluentSerde<OutboundMessage> fresh = new ConfluentSerde<>(OutboundMessage.class, new SchemaRegistryClient(registry.url()));
        assertThatThrownBy(() -> fresh.deserialize("t", valid))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("answered 500").hasMessageContaining("store unavailable")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).status()).isEqualTo(500));
        assertThatThrownBy(() -> fresh.serialize("other", Samples.outboundMessage()))
                .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("POST");
        // The serde that already knows id 100 keeps working during the outage.
        assertThat(serde.deserialize("t", valid)).isEqualTo(Samples.outboundMessage());
    }

    @Test
    void singleObjectRecordsWrittenBeforeTheRegistryWasConfiguredStillDecode() {
        ConfluentSerde<OutboundMessage> serde = new ConfluentSerde<>(OutboundMessage.class, client);
        byte[] old = Serdes.outboundMessage().serialize("outflow.outbound", Samples.outboundMessage());
        assertThat(serde.deserialize("outflow.outbound", old)).isEqualTo(Samples.outboundMessage());
        assertThat(registry.requests).isEmpty();
    }

    @Test
    void anUnreachableRegistryIsASchemaRegistryExceptionWithoutStatus() throws Exception {
        String url = registry.url();
        registry.close();
        ConfluentSerde<OutboundMessage> serde = new ConfluentSerde<>(OutboundMessage.class, new SchemaRegistryClient(url));
        assertThatThrownBy(() -> serde.serialize("t", Samples.outboundMessage()))
                .isInstanceOf(SchemaRegistryException.class)
                .satisfies(e -> assertThat(((SchemaRegistryException) e).status()).isEqualTo(-1));
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthAndNotInThePath() {
        String url = registry.url().replace("http://", "http://user:p%40ss@");
        SchemaRegistryClient withAuth = new SchemaRegistryClient(url);
        assertThat(withAuth.baseUri().toString()).isEqualTo(registry.url());
        new ConfluentSerde<>(OutboundMessage.class, withAuth).serialize("t", Samples.outboundMessage());
        assertThat(registry.authorizations).containsExactly("Basic "
                + java.util.Base64.getEncoder().encodeToString("user:p@ss".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void forConfigChoosesTheWireFormat() {
        assertThat(Serdes.forConfig(null).wireFormat()).isEqualTo("single-object");
        assertThat(Serdes.forConfig("  ").outboundMessage()).isSameAs(Serdes.outboundMessage());
        CodecFactory confluent = Serdes.forConfig(registry.url());
        assertThat(confluent.wireFormat()).isEqualTo("confluent");
        // Event serdes write the factory's format and read JSON events too (events.format).
        assertThat(confluent.deliveryEvent()).isSameAs(confluent.deliveryEvent());
        assertThat(confluent.deliveryEvent().serialize("outflow.delivered", Samples.deliveryEvent())[0]).isZero();
        assertThat(confluent.deliveryEvent().deserialize("outflow.delivered", EventJson.encode(Samples.deliveryEvent())))
                .isEqualTo(Samples.deliveryEvent());
        byte[] bytes = confluent.controlCommand().serialize("outflow.control", Samples.controlCommand());
        assertThat(bytes[0]).isZero();
        assertThat(confluent.controlCommand().deserialize("outflow.control", bytes)).isEqualTo(Samples.controlCommand());
        assertThat(confluent.submission().deserialize("s", confluent.submission().serialize("s", Samples.submission())))
                .isEqualTo(Samples.submission());
        assertThatThrownBy(() -> Serdes.forConfig("registry:8081")).isInstanceOf(IllegalArgumentException.class);
    }

    static byte[] plainAvro(Schema schema, Object datum) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<Object>(schema).write(datum, enc);
            enc.flush();
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

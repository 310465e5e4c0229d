package dev.outflow.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class QueuedSerdeTest {
    private final Serde<Queued> serde = QueuedSerde.serde();

    @Test
    void roundTripsEveryFieldAndNulls() {
        Queued full = new Queued("m-1", "alice@sender.test", "dest.test", List.of("bob@dest.test", "ünï@dest.test"), 1_234L, "m-0");
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", full))).isEqualTo(full);
        Queued bounce = new Queued("m-2", null, "dest.test", List.of(), 5L, null);
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", bounce))).isEqualTo(bounce);
    }

    @Test
    void readsRecordsWrittenAsJsonByEarlierVersions() {
        Queued q = new Queued("m-1", "alice@sender.test", "dest.test", List.of("bob@dest.test"), 1_234L, null);
        assertThat(serde.deserializer().deserialize("t", Json.bytes(q))).isEqualTo(q);
    }

    @Test
    void truncatedRecordsAreASerializationErrorNotAnotherException() {
        byte[] b = serde.serializer().serialize("t", new Queued("m-1", "a@b.test", "b.test", List.of("c@b.test"), 1L, null));
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", Arrays.copyOf(b, b.length - 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("queued message");
    }
}

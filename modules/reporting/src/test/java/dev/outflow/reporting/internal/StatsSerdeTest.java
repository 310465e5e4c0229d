package dev.outflow.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import dev.outflow.reporting.Stats;

class StatsSerdeTest {
    private final org.apache.kafka.common.serialization.Serde<Stats> serde = StatsSerde.serde();

    private static Stats sample() {
        Stats s = new Stats();
        s.add("delivered", null, null, 1_200);
        s.add("delivered", null, null, 90_000);
        s.add("deferred", "quota/rate", "421 4.7.0 try again later", 0);
        s.add("bounced", "bad-mailbox", "550 5.1.1 user unknown", 0);
        s.add("dropped", null, null, 0);
        s.add("rejected", null, null, 0);
        return s;
    }

    @Test
    void roundTripsEveryField() {
        Stats s = sample();
        Stats back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", s));
        assertThat(Json.text(back)).isEqualTo(Json.text(s));
        assertThat(back.view("a.test", 0, 60_000)).isEqualTo(s.view("a.test", 0, 60_000));
    }

    @Test
    void readsValuesStoredAsJsonByEarlierVersions() {
        Stats s = sample();
        Stats back = serde.deserializer().deserialize("t", Json.bytes(s));
        assertThat(Json.text(back)).isEqualTo(Json.text(s));
    }

    @Test
    void refusesGarbageWithAClearError() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("stats-changelog", new byte[] {7, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("stats-changelog");
    }
}

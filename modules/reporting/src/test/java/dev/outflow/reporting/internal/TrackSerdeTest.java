package dev.outflow.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import dev.outflow.reporting.Attempt;
import dev.outflow.reporting.MessageTrack;
import dev.outflow.reporting.RecipientTrack;

class TrackSerdeTest {
    private final Serde<MessageTrack> serde = TrackSerde.serde();

    /** Every field set, none null: a field added later without a place in the layout fails here. */
    private static MessageTrack full() {
        MessageTrack m = MessageTrack.of("m-1", 1_000);
        m.mailFrom = "alice@sender.test";
        m.dsnOf = "m-0";
        m.updatedAt = 5_000;
        RecipientTrack r = RecipientTrack.queued("bob@dest.test", "dest.test", 1_000);
        r.state = "deferred";
        r.code = 451;
        r.enhancedCode = "4.7.1";
        r.response = "451 4.7.1 try later — ünïcode " + "x".repeat(70_000); // longer than writeUTF allows
        r.bounceClass = "quota/rate";
        r.reason = "greylisted";
        r.host = "mx.dest.test";
        r.ip = "192.0.2.1";
        r.tls = true;
        r.attempts = 2;
        r.nextAttemptAt = 9_000L;
        r.delayMs = 4_000L;
        r.at = 5_000;
        r.history.add(new Attempt(5_000, "deferred", 1, 451, "4.7.1", "451 4.7.1 try later", "quota/rate", "mx.dest.test",
                "192.0.2.1", true, 4_000));
        m.recipients.put(r.address, r);
        RecipientTrack queued = RecipientTrack.queued("carol@dest.test", "dest.test", 1_000);
        m.recipients.put(queued.address, queued);
        return m;
    }

    @Test
    void roundTripsEveryField() throws Exception {
        MessageTrack m = full();
        assertEveryFieldSet(m);
        assertEveryFieldSet(m.recipients.get("bob@dest.test"));
        MessageTrack back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", m));
        assertThat(Json.text(back)).isEqualTo(Json.text(m));
        assertThat(back.recipients.keySet()).containsExactly("bob@dest.test", "carol@dest.test");
    }

    @Test
    void readsEntriesStoredAsJsonByEarlierVersions() {
        MessageTrack m = full();
        assertThat(Json.text(serde.deserializer().deserialize("t", Json.bytes(m)))).isEqualTo(Json.text(m));
    }

    @Test
    void refusesTruncatedBytesWithAClearError() {
        byte[] b = serde.serializer().serialize("t", full());
        byte[] cut = java.util.Arrays.copyOf(b, b.length / 2);
        assertThatThrownBy(() -> serde.deserializer().deserialize("tracking-changelog", cut))
                .isInstanceOf(SerializationException.class).hasMessageContaining("tracking-changelog");
    }

    private static void assertEveryFieldSet(Object o) throws IllegalAccessException {
        for (Field f : o.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            assertThat(f.get(o)).as(o.getClass().getSimpleName() + "." + f.getName() + " (add it to TrackSerde)").isNotNull();
        }
    }
}

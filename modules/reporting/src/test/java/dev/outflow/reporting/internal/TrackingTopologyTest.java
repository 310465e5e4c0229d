package dev.outflow.reporting.internal;

import static dev.outflow.reporting.internal.Driver.T0;
import static dev.outflow.reporting.internal.Driver.event;
import static dev.outflow.reporting.internal.Driver.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.outflow.avro.Outcome;
import dev.outflow.reporting.MessageTrack;
import dev.outflow.reporting.RecipientTrack;
import dev.outflow.reporting.bounce.BounceClassifier;

class TrackingTopologyTest {

    @Test
    void followsEachRecipientFromQueuedThroughDeferredToDelivered() {
        try (Driver d = new Driver()) {
            d.queue("m1", "shop@example.com", List.of("a@example.org", "b@example.org"), T0);
            MessageTrack queued = d.track("m1");
            assertThat(queued.mailFrom).isEqualTo("shop@example.com");
            assertThat(queued.recipients.keySet()).containsExactly("a@example.org", "b@example.org");
            assertThat(queued.recipients.values()).allMatch(r -> r.state.equals("queued"));

            d.pipe(event("m1", Outcome.DEFERRED, T0.plusSeconds(1), 1,
                    rcpt("a@example.org", 451, "4.7.1", "451 4.7.1 greylisted, try again later")));
            d.pipe(event("m1", Outcome.DELIVERED, T0.plusSeconds(1), 0, rcpt("b@example.org", 250, "2.0.0", "250 2.0.0 ok id=1")));

            RecipientTrack a = d.track("m1").recipients.get("a@example.org");
            assertThat(a.state).isEqualTo("deferred");
            assertThat(a.nextAttemptAt).isEqualTo(T0.plusSeconds(65).toEpochMilli());
            assertThat(a.response).contains("greylisted");
            assertThat(a.bounceClass).isEqualTo("quota/rate");
            assertThat(a.attempts).isEqualTo(1);
            RecipientTrack b = d.track("m1").recipients.get("b@example.org");
            assertThat(b.state).isEqualTo("delivered");
            assertThat(b.host).isEqualTo("mx.example.org");
            assertThat(b.tls).isTrue();
            assertThat(b.code).isEqualTo(250);
            assertThat(d.track("m1").state()).isEqualTo("mixed");

            d.pipe(event("m1", Outcome.DELIVERED, T0.plusSeconds(70), 1, rcpt("a@example.org", 250, "2.0.0", "250 ok")));
            a = d.track("m1").recipients.get("a@example.org");
            assertThat(a.state).isEqualTo("delivered");
            assertThat(a.nextAttemptAt).isNull();
            assertThat(a.attempts).isEqualTo(2);
            assertThat(a.history).extracting(h -> h.outcome()).containsExactly("deferred", "delivered");
            assertThat(d.track("m1").state()).isEqualTo("delivered");
            assertThat(d.track("m1").updatedAt).isEqualTo(T0.plusSeconds(70).toEpochMilli());
        }
    }

    @Test
    void jsonAndAvroEventsAreTrackedAlike() {
        try (Driver d = new Driver()) {
            d.queue("mj", "shop@example.com", List.of("a@example.org", "b@example.org"), T0);
            d.pipeJson(event("mj", Outcome.DEFERRED, T0.plusSeconds(1), 1, rcpt("a@example.org", 451, "4.7.1", "451 4.7.1 greylisted")));
            d.pipe(event("mj", Outcome.DELIVERED, T0.plusSeconds(2), 0, rcpt("b@example.org", 250, "2.0.0", "250 ok")));
            d.pipeJson(event("mj", Outcome.DELIVERED, T0.plusSeconds(3), 1, rcpt("a@example.org", 250, "2.0.0", "250 ok")));

            MessageTrack t = d.track("mj");
            assertThat(t.recipients.values()).allMatch(r -> r.state.equals("delivered"));
            assertThat(t.recipients.get("a@example.org").history).hasSize(2);
            assertThat(d.dlq.readRecordsToList()).isEmpty();
        }
    }

    @Test
    void eventsBeforeTheQueuedRecordAreNotOverwrittenByIt() {
        try (Driver d = new Driver()) {
            d.pipe(event("m2", Outcome.BOUNCED, T0.plusSeconds(2), 0, rcpt("x@example.net", 550, "5.1.1", "550 5.1.1 user unknown")));
            d.queue("m2", "shop@example.com", List.of("x@example.net"), T0);
            RecipientTrack x = d.track("m2").recipients.get("x@example.net");
            assertThat(x.state).isEqualTo("bounced");
            assertThat(x.bounceClass).isEqualTo("bad-mailbox");
        }
    }

    @Test
    void aLateDeferralStaysInTheHistoryButDoesNotUndoAFinalState() {
        try (Driver d = new Driver()) {
            d.pipe(event("m3", Outcome.DELIVERED, T0.plusSeconds(5), 0, rcpt("a@example.org", 250, null, "250 ok")));
            d.pipe(event("m3", Outcome.DEFERRED, T0.plusSeconds(3), 1, rcpt("a@example.org", 421, null, "421 busy")));
            RecipientTrack a = d.track("m3").recipients.get("a@example.org");
            assertThat(a.state).isEqualTo("delivered");
            assertThat(a.history).hasSize(2);
        }
    }

    @Test
    void duplicateEventsAreRecognisedAndCountedOnce() {
        try (Driver d = new Driver()) {
            var e = event("m4", Outcome.DELIVERED, T0.plusSeconds(1), 0, rcpt("a@example.org", 250, null, "250 ok"));
            d.pipe(e);
            d.pipe(e);
            assertThat(d.track("m4").recipients.get("a@example.org").history).hasSize(1);
            assertThat(d.counters.duplicates.get()).isEqualTo(1);
        }
    }

    @Test
    void messagesNoLongerKeptAsObjectsAreReadBackFromTheStoreAndStillRecogniseDuplicates() {
        try (Driver d = new Driver(2, 2)) {
            for (int i = 0; i < 5; i++) d.queue("q" + i, "shop@example.com", List.of("a" + i + "@example.org"), T0);
            for (int i = 0; i < 5; i++) {
                d.pipe(event("q" + i, Outcome.DELIVERED, T0.plusSeconds(1), 0, rcpt("a" + i + "@example.org", 250, null, "250 ok")));
            }
            var again = event("q0", Outcome.DELIVERED, T0.plusSeconds(1), 0, rcpt("a0@example.org", 250, null, "250 ok"));
            d.pipe(again);
            for (int i = 0; i < 5; i++) {
                MessageTrack m = d.track("q" + i);
                assertThat(m.mailFrom).isEqualTo("shop@example.com");
                assertThat(m.recipients.get("a" + i + "@example.org").state).isEqualTo("delivered");
            }
            assertThat(d.counters.duplicates.get()).isEqualTo(1);
            assertThat(d.stats(StoreNames.STATS_1M, "example.org", T0).delivered).isEqualTo(5);
        }
    }

    @Test
    void historyIsBoundedToTheNewestAttempts() {
        try (Driver d = new Driver(Duration.ofDays(7), 3, BounceClassifier.builtin())) {
            for (int i = 1; i <= 5; i++) {
                d.pipe(event("m5", Outcome.DEFERRED, T0.plusSeconds(i * 60L), i, rcpt("a@example.org", 450, "4.2.0", "450 try " + i)));
            }
            RecipientTrack a = d.track("m5").recipients.get("a@example.org");
            assertThat(a.history).extracting(h -> h.attempt()).containsExactly(3, 4, 5);
            assertThat(a.response).isEqualTo("450 try 5");
        }
    }

    @Test
    void rejectedAndDroppedRecipientsAreTracked() {
        try (Driver d = new Driver()) {
            var rejected = event("m6", Outcome.REJECTED, T0, 0, rcpt("bad@example.org", 0, "5.1.3", "invalid recipient"));
            rejected.setReason("suppressed (bounce: 550 5.1.1 user unknown)");
            d.pipe(rejected);
            d.pipe(event("m7", Outcome.DROPPED, T0, 2, rcpt("c@example.org", 450, null, "450 later")));
            assertThat(d.track("m6").recipients.get("bad@example.org").state).isEqualTo("rejected");
            assertThat(d.track("m6").recipients.get("bad@example.org").reason).startsWith("suppressed");
            assertThat(d.track("m7").recipients.get("c@example.org").state).isEqualTo("dropped");
        }
    }

    @Test
    void recipientIndexFindsEveryMessageOfAnAddressCaseInsensitively() {
        try (Driver d = new Driver()) {
            d.queue("m8", "a@example.com", List.of("Bob@Example.org"), T0);
            d.pipe(event("m9", Outcome.DELIVERED, T0.plusSeconds(10), 0, rcpt("bob@example.org", 250, null, "250 ok")));
            d.pipe(event("m9", Outcome.DELIVERED, T0.plusSeconds(11), 0, rcpt("bob@example.org", 250, null, "250 ok")));
            assertThat(d.messagesOf("bob@example.org")).containsExactly("m8", "m9");
            assertThat(d.messagesOf("nobody@example.org")).isEmpty();
        }
    }

    @Test
    void entriesOlderThanTheRetentionAreGone() {
        try (Driver d = new Driver(Duration.ofHours(2), 20, BounceClassifier.builtin())) {
            d.pipe(event("old", Outcome.DELIVERED, T0, 0, rcpt("a@example.org", 250, null, "250 ok")));
            assertThat(d.track("old")).isNotNull();
            // Stream time moves on with newer events; segments past the retention are dropped.
            d.pipe(event("new", Outcome.DELIVERED, T0.plus(Duration.ofHours(5)), 0, rcpt("a@example.org", 250, null, "250 ok")));
            assertThat(d.track("old")).isNull();
            assertThat(d.track("new")).isNotNull();
            assertThat(d.messagesOf("a@example.org")).containsExactly("new");
        }
    }

    @Test
    void undecodableEventsGoToTheDlqWithTheReasonAndProcessingGoesOn() {
        try (Driver d = new Driver()) {
            d.delivered.pipeInput("m10".getBytes(), "not avro".getBytes());
            d.pipe(event("m11", Outcome.DELIVERED, T0, 0, rcpt("a@example.org", 250, null, "250 ok")));
            var dead = d.dlq.readRecordsToList();
            assertThat(dead).hasSize(1);
            assertThat(new String(dead.get(0).value())).isEqualTo("not avro");
            assertThat(new String(dead.get(0).headers().lastHeader("outflow.error").value())).startsWith("reporting cannot decode");
            assertThat(new String(dead.get(0).headers().lastHeader("outflow.source.topic").value())).isEqualTo("outflow.delivered");
            assertThat(d.counters.undecodable.get()).isEqualTo(1);
            assertThat(d.track("m11")).isNotNull();
        }
    }
}

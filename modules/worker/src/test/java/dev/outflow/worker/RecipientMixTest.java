package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One message, three recipients answered 250, 450 and 550: one DELIVERED, one DEFERRED carrying the
 * retry (attempt 1, only the deferred recipient), one BOUNCED, and a DSN to the sender on outbound.
 */
class RecipientMixTest {

    @Test
    void splitsOneAttemptIntoDeliveredDeferredAndBounced() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.3")
                .rcpt("later@mix.test", 450, "4.2.1 mailbox busy, try later")
                .rcpt("gone@mix.test", 550, "5.1.1 no such user").start();
             FakeMx senderMx = FakeMx.builder().bind("127.0.0.4").start();
             WorkerHarness h = new WorkerHarness(2)) {
            h.mx.route("mix.test", mx).route("sender.test", senderMx);
            DeliveryWorker worker = h.startWorker("mix");
            OutboundMessage m = h.submit(WorkerHarness.message("ok@mix.test", "later@mix.test", "gone@mix.test"));

            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() >= 1 && worker.deferred() == 1 && worker.bounced() == 1);

            List<DeliveryEvent> delivered = h.events(h.topics.delivered()).stream()
                    .filter(e -> e.getMessageId().equals(m.getId())).toList();
            assertThat(delivered).singleElement().satisfies(e -> assertThat(e.getRecipients())
                    .extracting(r -> r.getAddress() + " " + r.getCode()).containsExactly("ok@mix.test 250"));

            DeliveryEvent deferred = single(h.events(h.topics.deferred()), m.getId());
            assertThat(deferred.getOutcome()).isEqualTo(Outcome.DEFERRED);
            assertThat(deferred.getRecipients()).extracting(r -> r.getAddress() + " " + r.getCode() + " " + r.getEnhancedCode())
                    .containsExactly("later@mix.test 450 4.2.1");
            assertThat(deferred.getAttempt()).isEqualTo(1);
            OutboundMessage retry = deferred.getMessage();
            assertThat(retry.getId()).isEqualTo(m.getId());
            assertThat(retry.getAttempt()).isEqualTo(1);
            assertThat(retry.getRecipients()).containsExactly("later@mix.test");
            assertThat(retry.getNotBefore()).isEqualTo(deferred.getNextAttemptAt()).isGreaterThan(deferred.getAt());
            assertThat(retry.getLastError()).contains("450");
            assertThat(retry.getThrottled()).isFalse();
            assertThat(StandardCharsets.UTF_8.decode(retry.getContents()).toString()).contains("Subject: test " + m.getId());

            DeliveryEvent bounced = single(h.events(h.topics.bounced()), m.getId());
            assertThat(bounced.getOutcome()).isEqualTo(Outcome.BOUNCED);
            assertThat(bounced.getRecipients()).extracting(r -> r.getAddress() + " " + r.getCode() + " " + r.getEnhancedCode())
                    .containsExactly("gone@mix.test 550 5.1.1");
            assertThat(bounced.getReason()).contains("no such user");

            List<OutboundMessage> dsns = h.messages(h.topics.outbound()).stream()
                    .filter(o -> m.getId().equals(o.getBounceOf())).toList();
            assertThat(dsns).singleElement().satisfies(dsn -> {
                assertThat(dsn.getMailFrom()).isEmpty();
                assertThat(dsn.getRecipients()).containsExactly(WorkerHarness.SENDER);
                assertThat(dsn.getDomain()).isEqualTo("sender.test");
                assertThat(dsn.getSource().getChannel()).isEqualTo("dsn");
                assertThat(StandardCharsets.UTF_8.decode(dsn.getContents()).toString()).contains("gone@mix.test");
            });
            // The worker delivers the DSN it queued, like any other message.
            await().atMost(Duration.ofSeconds(30)).until(() -> senderMx.received().size() == 1);
            assertThat(senderMx.received().getFirst().mailFrom()).isEmpty();
        }
    }

    private static DeliveryEvent single(List<DeliveryEvent> events, String id) {
        List<DeliveryEvent> mine = events.stream().filter(e -> e.getMessageId().equals(id)).toList();
        assertThat(mine).hasSize(1);
        return mine.getFirst();
    }
}

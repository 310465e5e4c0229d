package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages to two domains are delivered; each gets one DELIVERED event and every offset is committed. */
class HappyPathTest {

    @Test
    void deliversEveryMessageAndCommitsItsOffset() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start(); WorkerHarness h = new WorkerHarness(3)) {
            h.mx.route("a.test", mx).route("b.test", mx);
            DeliveryWorker worker = h.startWorker("happy");
            List<OutboundMessage> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add(h.submit(i % 2 == 0 ? WorkerHarness.message("u" + i + "@a.test", "v" + i + "@a.test")
                        : WorkerHarness.message("u" + i + "@b.test")));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 20);
            List<DeliveryEvent> events = h.events(h.topics.delivered());
            assertThat(events).extracting(DeliveryEvent::getMessageId)
                    .containsExactlyInAnyOrderElementsOf(sent.stream().map(OutboundMessage::getId).toList());
            DeliveryEvent first = events.stream().filter(e -> e.getMessageId().equals(sent.getFirst().getId())).findFirst().orElseThrow();
            assertThat(first.getOutcome()).isEqualTo(Outcome.DELIVERED);
            assertThat(first.getDomain()).isEqualTo("a.test");
            assertThat(first.getMailFrom()).isEqualTo(WorkerHarness.SENDER);
            assertThat(first.getRecipients()).extracting(r -> r.getAddress() + " " + r.getCode())
                    .containsExactly("u0@a.test 250", "v0@a.test 250");
            assertThat(first.getHost()).isEqualTo("mx.a.test");
            assertThat(first.getIp()).isEqualTo("127.0.0.2");
            assertThat(first.getPort()).isEqualTo(mx.port());
            assertThat(first.getMode()).isEqualTo("SMTP");
            assertThat(first.getAttempt()).isZero();
            assertThat(first.getWorkerId()).isEqualTo("happy");
            assertThat(first.getDelayMs()).isBetween(0L, 30_000L);
            assertThat(first.getAt()).isGreaterThanOrEqualTo(sent.getFirst().getQueuedAt());

            assertThat(mx.received()).hasSize(20);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);
            assertThat(h.events(h.topics.deferred())).isEmpty();
            assertThat(h.events(h.topics.bounced())).isEmpty();
            assertThat(worker.inFlight()).isZero();
            assertThat(worker.isRunning()).isTrue();
        }
    }
}

package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.cancel.CancelRecords;
import dev.outflow.codec.cancel.Cancellation;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * outflow cancel: a cancelled message, and the mail to a cancelled domain queued before the
 * cancellation's cut-off, end as DROPPED "cancelled by operator" without a connection or a DSN;
 * mail queued after the cut-off and to other domains is delivered.
 */
class CancelTest {

    @Test
    void cancelledMailIsDroppedWithoutDeliveryOrDsn() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start(); WorkerHarness h = new WorkerHarness(1)) {
            h.mx.route("a.test", mx).route("b.test", mx);
            long now = System.currentTimeMillis();
            OutboundMessage byId = WorkerHarness.message("x@a.test", "y@a.test");
            OutboundMessage other = WorkerHarness.message("z@a.test");
            OutboundMessage oldToB = WorkerHarness.message("old@b.test");
            oldToB.setQueuedAt(now - Duration.ofHours(2).toMillis());
            OutboundMessage newToB = WorkerHarness.message("new@b.test");
            CancelRecords.publish(h.kafkaProps(), h.topics.cancellations(), new Cancellation(byId.getId(), null, now + 60_000, now, "test"));
            CancelRecords.publish(h.kafkaProps(), h.topics.cancellations(),
                    new Cancellation(null, "b.test", now - Duration.ofHours(1).toMillis(), now, "test"));

            DeliveryWorker worker = h.startWorker("cancel");
            for (OutboundMessage m : List.of(byId, other, oldToB, newToB)) h.submit(m);
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.dropped() == 2 && worker.delivered() == 2);

            List<DeliveryEvent> dropped = h.events(h.topics.bounced());
            assertThat(dropped).extracting(DeliveryEvent::getMessageId).containsExactlyInAnyOrder(byId.getId(), oldToB.getId());
            assertThat(dropped).allSatisfy(e -> {
                assertThat(e.getOutcome()).isEqualTo(Outcome.DROPPED);
                assertThat(e.getReason()).isEqualTo(Cancellation.REASON);
            });
            assertThat(dropped.stream().filter(e -> e.getMessageId().equals(byId.getId())).findFirst().orElseThrow().getRecipients())
                    .extracting(r -> r.getAddress() + " " + r.getResponse()).containsExactly("x@a.test cancelled by operator",
                            "y@a.test cancelled by operator");
            assertThat(h.events(h.topics.delivered())).extracting(DeliveryEvent::getMessageId)
                    .containsExactlyInAnyOrder(other.getId(), newToB.getId());
            assertThat(mx.received()).hasSize(2);
            // No DSN: the outbound topic holds only what was submitted.
            assertThat(h.messages(h.topics.outbound())).hasSize(4);
        }
    }
}

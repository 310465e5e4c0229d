package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A tarpit MX (it never answers the end of DATA) on the same partition as a healthy domain, ahead
 * of it: the healthy domain's messages are delivered and committed (their events published) within
 * seconds, not after the tarpit's 5-minute data timeout. The tarpit's attempt is cut short after
 * {@code outbound.partition_hold_timeout} and deferred like any temporary failure.
 */
class TarpitDomainTest {

    @Test
    void aTarpitDomainDoesNotHoldBackTheCommitOfItsPartition() {
        try (FakeMx tarpit = FakeMx.builder().bind("127.0.0.17").stall(Command.END_OF_DATA).start();
             FakeMx healthy = FakeMx.builder().bind("127.0.0.18").start();
             WorkerHarness h = new WorkerHarness(1, "outbound.partition_hold_timeout", "2s", "outbound.command_timeout", "5m",
                     "outbound.data_timeout", "5m")) {
            h.mx.route("tarpit.test", tarpit).route("healthy.test", healthy);
            OutboundMessage stuck = WorkerHarness.message("victim@tarpit.test");
            List<OutboundMessage> fine = new ArrayList<>();
            for (int i = 0; i < 5; i++) fine.add(WorkerHarness.message("u" + i + "@healthy.test"));
            h.sendAll(0, List.of(stuck));
            h.sendAll(0, fine);
            DeliveryWorker worker = h.startWorker("tarpit");

            // Delivered at once, but committed only when the record ahead of them is done.
            await().atMost(Duration.ofSeconds(30)).until(() -> healthy.received().size() == 5 && tarpit.count(Command.END_OF_DATA) == 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> worker.delivered() == 5);
            assertThat(h.events(h.topics.delivered())).extracting(DeliveryEvent::getMessageId)
                    .containsExactlyInAnyOrderElementsOf(fine.stream().map(OutboundMessage::getId).toList());

            await().atMost(Duration.ofSeconds(10)).until(() -> worker.deferred() == 1);
            assertThat(worker.counters().cutShort()).isEqualTo(1);
            assertThat(h.events(h.topics.deferred())).singleElement().satisfies(e -> {
                assertThat(e.getMessageId()).isEqualTo(stuck.getId());
                assertThat(e.getOutcome()).isEqualTo(Outcome.DEFERRED);
                assertThat(e.getAttempt()).isEqualTo(1);
                assertThat(e.getRecipients()).singleElement().satisfies(r -> {
                    assertThat(r.getCode()).isEqualTo(451);
                    assertThat(r.getResponse()).contains("outbound.partition_hold_timeout");
                });
                assertThat(e.getMessage().getAttempt()).isEqualTo(1);
            });
            assertThat(tarpit.received()).isEmpty();
        }
    }
}

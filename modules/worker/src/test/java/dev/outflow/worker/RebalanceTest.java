package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A second worker joins mid-run (cooperative rebalance), then the first leaves gracefully: revoked
 * partitions commit what completed before moving, so every message gets exactly one DELIVERED event
 * and both workers took part. Deliveries are slow (100 ms, 4 at a time per worker) so that work is
 * left when the second worker joins.
 */
class RebalanceTest {
    private static final int MESSAGES = 240;

    @Test
    void partitionsMoveWithoutLosingOrDuplicatingEvents() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.11").on(Command.END_OF_DATA, Action.delayed(Duration.ofMillis(100))).start();
             WorkerHarness h = new WorkerHarness(4, "outbound.concurrency_max", "4", "outbound.domain_concurrency", "1")) {
            List<OutboundMessage> sent = new ArrayList<>();
            for (int d = 0; d < 8; d++) h.mx.route("rb" + d + ".test", mx);
            for (int i = 0; i < MESSAGES; i++) sent.add(WorkerHarness.message("r" + i + "@rb" + (i % 8) + ".test"));
            for (int p = 0; p < 4; p++) {
                int part = p;
                h.sendAll(p, sent.stream().filter(m -> sent.indexOf(m) % 4 == part).toList());
            }

            DeliveryWorker a = h.startWorker("a");
            await().atMost(Duration.ofSeconds(60)).until(() -> a.delivered() >= 30);
            DeliveryWorker b = h.startWorker("b");
            await().atMost(Duration.ofSeconds(60)).until(() -> !b.assignment().isEmpty() && a.assignment().size() < 4);
            await().atMost(Duration.ofSeconds(60)).until(() -> b.delivered() >= 10);
            a.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> b.assignment().size() == 4);
            await().atMost(Duration.ofSeconds(90)).until(() -> a.delivered() + b.delivered() >= MESSAGES);

            List<DeliveryEvent> events = h.events(h.topics.delivered());
            Map<String, Long> perMessage = events.stream().collect(Collectors.groupingBy(DeliveryEvent::getMessageId, Collectors.counting()));
            assertThat(perMessage).hasSize(MESSAGES);
            assertThat(perMessage.values()).allMatch(n -> n == 1);
            assertThat(events).extracting(DeliveryEvent::getWorkerId).contains("a", "b");
            assertThat(a.delivered() + b.delivered()).isEqualTo(MESSAGES);
            assertThat(mx.received().size()).isGreaterThanOrEqualTo(MESSAGES);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);
        }
    }
}

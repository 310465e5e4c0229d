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
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A worker dies mid-batch (no commit, no leaving the group) while deliveries are in flight; its
 * replacement (same worker id) finishes the job. Every message ends with exactly one DELIVERED
 * event; only records that were uncommitted at the crash may reach the MX twice.
 *
 * <p>The replacement's start aborts the dead worker's open transaction at once (same
 * transactional id); its partitions come free when the dead member's session times out. So it
 * must be done within the session timeout plus a few seconds. Completion is read from the
 * delivered topic, not from the workers' counters: the transaction the dead worker was
 * committing when it died may have committed without the worker learning it.
 */
class CrashRecoveryTest {
    private static final int MESSAGES = 150;
    /** Start-up, the group's join, and the rest of the deliveries, on a loaded machine. */
    private static final Duration FEW_SECONDS = Duration.ofSeconds(10);

    @Test
    void replacementWorkerFinishesWithoutLosingOrDuplicatingEvents() throws Exception {
        // 100 ms per message, except the 31st to 40th, which take 20 s: they are still in flight
        // when the worker is halted, however fast the rest goes (deliveries finished behind them
        // are published ahead, so nothing else waits for them).
        Action[] endOfData = new Action[41];
        java.util.Arrays.fill(endOfData, Action.delayed(Duration.ofMillis(100)));
        java.util.Arrays.fill(endOfData, 30, 40, Action.delayed(Duration.ofSeconds(20)));
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.8").on(Command.END_OF_DATA, endOfData).start();
             WorkerHarness h = new WorkerHarness(3, "outbound.concurrency_max", "20")) {
            List<OutboundMessage> sent = new ArrayList<>();
            for (int d = 0; d < 6; d++) h.mx.route("crash" + d + ".test", mx);
            for (int i = 0; i < MESSAGES; i++) sent.add(WorkerHarness.message("r" + i + "@crash" + (i % 6) + ".test"));
            for (int p = 0; p < 3; p++) {
                int part = p;
                h.sendAll(p, sent.stream().filter(m -> sent.indexOf(m) % 3 == part).toList());
            }

            DeliveryWorker first = h.startWorker("crashy");
            await().atMost(Duration.ofSeconds(60)).until(() -> first.delivered() >= 20 && first.inFlight() > 0);
            int uncommitted = first.haltForTest();
            assertThat(first.delivered()).isLessThan(MESSAGES);
            assertThat(uncommitted).isPositive();

            Set<String> ids = sent.stream().map(OutboundMessage::getId).collect(Collectors.toSet());
            Duration sessionTimeout = Duration.ofMillis((Integer) h.kafkaProps().get("session.timeout.ms"));
            DeliveryWorker second = h.startWorker("crashy");
            await().atMost(sessionTimeout.plus(FEW_SECONDS)).pollInterval(Duration.ofMillis(500))
                    .until(() -> h.events(h.topics.delivered()).stream().map(DeliveryEvent::getMessageId)
                            .collect(Collectors.toSet()).containsAll(ids));
            assertThat(second.isRunning()).isTrue();

            List<DeliveryEvent> events = h.events(h.topics.delivered());
            Map<String, Long> perMessage = events.stream().collect(Collectors.groupingBy(DeliveryEvent::getMessageId, Collectors.counting()));
            assertThat(perMessage.keySet()).isEqualTo(sent.stream().map(OutboundMessage::getId).collect(Collectors.toSet()));
            assertThat(perMessage.values()).allMatch(n -> n == 1);
            assertThat(events).extracting(DeliveryEvent::getWorkerId).containsOnly("crashy");

            // At-least-once at the MX: duplicates only for records that were uncommitted at the crash.
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);
            Map<String, Long> received = mx.received().stream()
                    .collect(Collectors.groupingBy(m -> m.recipients().getFirst(), Collectors.counting()));
            assertThat(received).hasSize(MESSAGES);
            long duplicates = mx.received().size() - MESSAGES;
            assertThat(duplicates).isBetween(0L, (long) uncommitted);
            Set<String> all = sent.stream().map(m -> m.getRecipients().getFirst()).collect(Collectors.toSet());
            assertThat(received.keySet()).isEqualTo(all);
            assertThat(received.values().stream().mapToLong(Long::longValue).max().orElse(0)).isLessThanOrEqualTo(2);
        }
    }
}

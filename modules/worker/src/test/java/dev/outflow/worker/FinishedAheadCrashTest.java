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
 * One slow delivery at the head of a partition, many quick ones finished behind it, then a crash
 * ({@code kill -9} as far as the group can tell). The finished ones were published ahead of the
 * committed offset and named in the commit metadata, so the replacement skips them: the quick MX
 * receives each message once, and the only delivery done again is the one that was in progress.
 */
class FinishedAheadCrashTest {
    private static final int QUICK = 40;

    @Test
    void aReplacementSkipsWhatWasFinishedBehindASlowHead() throws Exception {
        // The slow MX never answers the first DATA; the replacement's attempt goes through.
        try (FakeMx slow = FakeMx.builder().bind("127.0.0.11").on(Command.END_OF_DATA, Action.stall(), Action.proceed()).start();
             FakeMx quick = FakeMx.builder().bind("127.0.0.12").start();
             WorkerHarness h = new WorkerHarness(1, "outbound.data_timeout", "5m")) {
            h.mx.route("slow.test", slow);
            h.mx.route("quick.test", quick);
            OutboundMessage head = WorkerHarness.message("a@slow.test");
            List<OutboundMessage> behind = new ArrayList<>();
            for (int i = 0; i < QUICK; i++) behind.add(WorkerHarness.message("r" + i + "@quick.test"));
            List<OutboundMessage> all = new ArrayList<>(List.of(head));
            all.addAll(behind);
            h.sendAll(0, all);

            DeliveryWorker first = h.startWorker("ahead");
            Set<String> quickIds = behind.stream().map(OutboundMessage::getId).collect(Collectors.toSet());
            // Committed (read_committed) DELIVERED events for every quick message, while the head still waits.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> deliveredIds(h).containsAll(quickIds));
            assertThat(deliveredIds(h)).doesNotContain(head.getId());
            first.haltForTest();

            Duration sessionTimeout = Duration.ofMillis((Integer) h.kafkaProps().get("session.timeout.ms"));
            DeliveryWorker second = h.startWorker("ahead");
            await().atMost(sessionTimeout.plus(Duration.ofSeconds(30))).pollInterval(Duration.ofMillis(200))
                    .until(() -> deliveredIds(h).contains(head.getId()));

            Map<String, Long> perMessage = h.events(h.topics.delivered()).stream()
                    .collect(Collectors.groupingBy(DeliveryEvent::getMessageId, Collectors.counting()));
            assertThat(perMessage).hasSize(QUICK + 1);
            assertThat(perMessage.values()).allMatch(n -> n == 1);
            assertThat(quick.received()).hasSize(QUICK); // before publishing ahead: all 40 again
            assertThat(second.counters().skippedDone()).isEqualTo(QUICK);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);
        }
    }

    private static Set<String> deliveredIds(WorkerHarness h) {
        return h.events(h.topics.delivered()).stream().map(DeliveryEvent::getMessageId).collect(Collectors.toSet());
    }
}

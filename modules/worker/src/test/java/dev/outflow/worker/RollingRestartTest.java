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
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Two workers are restarted one after the other (graceful close, start again with the same id)
 * while they deliver, and every transactional offset commit takes up to a second at the broker,
 * so commits are in flight across every rebalance. Each message must end with exactly one
 * DELIVERED event, and the group's committed offsets must reach the end of the topic.
 */
class RollingRestartTest {
    private static final int MESSAGES = 600;
    private static final int PARTITIONS = 4;

    @Test
    void everyMessageEndsWithOneEventAcrossRollingRestartsWithSlowCommits() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.21").on(Command.END_OF_DATA, Action.delayed(Duration.ofMillis(100))).start();
             WorkerHarness h = new WorkerHarness(PARTITIONS, "outbound.concurrency_max", "4", "outbound.domain_concurrency", "2",
                     "worker.shutdown_timeout", "5s")) {
            List<OutboundMessage> sent = new ArrayList<>();
            for (int d = 0; d < 16; d++) h.mx.route("roll" + d + ".test", mx);
            for (int i = 0; i < MESSAGES; i++) sent.add(WorkerHarness.message("r" + i + "@roll" + (i % 16) + ".test"));
            for (int p = 0; p < PARTITIONS; p++) {
                int part = p;
                h.sendAll(p, sent.stream().filter(m -> sent.indexOf(m) % PARTITIONS == part).toList());
            }
            Random latency = new Random(12);
            SlowOffsetsProducer.Gate open = new SlowOffsetsProducer.Gate();
            UnaryOperator<DeliveryWorker.Builder> slowCommits = b -> b.producerDecorator(
                    p -> new SlowOffsetsProducer(p, open, () -> { synchronized (latency) { return latency.nextInt(1000); } }));

            DeliveryWorker a = h.startWorker("a", slowCommits);
            DeliveryWorker b = h.startWorker("b", slowCommits);
            List<DeliveryWorker> all = new ArrayList<>(List.of(a, b));
            String[] order = {"a", "b", "a", "b"};
            for (String id : order) {
                DeliveryWorker leaving = all.stream().filter(w -> w.workerId().equals(id) && w.isRunning()).findFirst().orElseThrow();
                await().atMost(Duration.ofSeconds(60)).until(() -> leaving.delivered() >= 20 || delivered(all) >= MESSAGES);
                leaving.close();
                DeliveryWorker back = h.startWorker(id, slowCommits);
                all.add(back);
                await().atMost(Duration.ofSeconds(60)).until(() -> !back.assignment().isEmpty() || delivered(all) >= MESSAGES);
            }

            Set<String> ids = sent.stream().map(OutboundMessage::getId).collect(Collectors.toSet());
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> h.events(h.topics.delivered())
                    .stream().map(DeliveryEvent::getMessageId).collect(Collectors.toSet()).containsAll(ids));
            await().atMost(Duration.ofSeconds(30)).until(() -> h.lag() == 0);
            Map<String, Long> perMessage = h.events(h.topics.delivered()).stream()
                    .collect(Collectors.groupingBy(DeliveryEvent::getMessageId, Collectors.counting()));
            assertThat(perMessage.keySet()).isEqualTo(ids);
            assertThat(perMessage.values()).allMatch(n -> n == 1);
            assertThat(mx.received().size()).isGreaterThanOrEqualTo(MESSAGES);
        }
    }

    private static long delivered(List<DeliveryWorker> workers) {
        return workers.stream().mapToLong(DeliveryWorker::delivered).sum();
    }
}

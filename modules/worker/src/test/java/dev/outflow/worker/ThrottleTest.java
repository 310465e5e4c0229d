package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A slow domain saturates its connection limit and fills the partition's window: its surplus
 * records are parked to the first delay bucket (throttled, attempt unchanged), so a fast domain on
 * the same partition is delivered without waiting behind it.
 */
class ThrottleTest {

    @Test
    void parksSaturatedDomainSoOthersOnThePartitionFlow() {
        try (FakeMx slow = FakeMx.builder().bind("127.0.0.9").on(Command.END_OF_DATA, Action.delayed(Duration.ofSeconds(3))).start();
             FakeMx fast = FakeMx.builder().bind("127.0.0.10").start();
             WorkerHarness h = new WorkerHarness(1, "outbound.domain_concurrency", "1", "outbound.inflight_per_partition", "6",
                     "outbound.throttle_delay", "10s")) {
            h.mx.route("slow.test", slow).route("fast.test", fast);
            List<OutboundMessage> slowMessages = new ArrayList<>();
            List<OutboundMessage> fastMessages = new ArrayList<>();
            for (int i = 0; i < 8; i++) slowMessages.add(WorkerHarness.message("s" + i + "@slow.test"));
            for (int i = 0; i < 4; i++) fastMessages.add(WorkerHarness.message("f" + i + "@fast.test"));
            h.sendAll(0, slowMessages);
            h.sendAll(0, fastMessages);
            long start = System.nanoTime();
            // Small polls, so the window fills before the fast domain's records are taken.
            Map<String, Object> props = new HashMap<>(h.kafkaProps());
            props.put("max.poll.records", 4);
            DeliveryWorker worker = h.startWorker("throttle", b -> b.kafka(props));

            // Without parking the fast domain would wait behind 8 × 3 s of slow deliveries.
            await().atMost(Duration.ofSeconds(20)).until(() -> fast.received().size() == 4);
            assertThat(slow.received().size()).isLessThanOrEqualTo(3);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));

            await().atMost(Duration.ofSeconds(40)).until(() -> worker.parked() > 0 && worker.delivered() == 4 + (8 - worker.parked()));
            List<ConsumerRecord<String, OutboundMessage>> parked = WorkerHarness.KAFKA.drain(h.topics.delay("10s"),
                    new StringDeserializer(), dev.outflow.codec.Serdes.outboundMessage(), Duration.ofSeconds(30));
            assertThat(parked).hasSize((int) worker.parked());
            assertThat(parked).allSatisfy(r -> {
                assertThat(r.key()).isEqualTo("slow.test");
                assertThat(r.value().getThrottled()).isTrue();
                assertThat(r.value().getAttempt()).isZero();
                assertThat(r.value().getNotBefore()).isGreaterThan(r.value().getQueuedAt());
                assertThat(r.value().getDomain()).isEqualTo("slow.test");
            });
            List<String> delivered = h.events(h.topics.delivered()).stream().map(DeliveryEvent::getMessageId).toList();
            assertThat(delivered).containsAll(fastMessages.stream().map(OutboundMessage::getId).toList());
            // Parked records get no event now: the scheduler brings them back; no deferred event, no attempt counted.
            assertThat(h.events(h.topics.deferred())).isEmpty();
            assertThat(new String(parked.getFirst().value().getContents().array(), StandardCharsets.UTF_8)).contains("Subject: test");
        }
    }
}

package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.core.delivery.Deliverer;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Memory is bounded by bytes, not records: with {@code outbound.inflight_bytes} at 128 KiB and
 * messages of 20 KiB, the worker takes only a few at a time although its record limits would let
 * it take all 20 (20 domains, 100 connections): the partition is paused while over budget, every
 * message is still delivered once.
 */
class InflightBytesTest {
    private static final int MESSAGES = 20;
    private static final int MESSAGE_BYTES = 20 * 1024;
    private static final long BUDGET = 128 * 1024;

    @Test
    void takesNoMoreRecordsWhileOverTheByteBudget() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.19").on(Command.END_OF_DATA, Action.delayed(Duration.ofMillis(200))).start();
             WorkerHarness h = new WorkerHarness(1, "outbound.inflight_bytes", "128k")) {
            List<OutboundMessage> sent = new ArrayList<>();
            Random random = new Random(7);
            for (int i = 0; i < MESSAGES; i++) {
                h.mx.route("b" + i + ".test", mx);
                OutboundMessage m = WorkerHarness.message("r@b" + i + ".test");
                byte[] noise = new byte[MESSAGE_BYTES * 3 / 4];
                random.nextBytes(noise);
                m.setContents(ByteBuffer.wrap(("Subject: big " + i + "\r\n\r\n" + Base64.getMimeEncoder().encodeToString(noise) + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                sent.add(m);
            }
            h.sendAll(0, sent);

            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            Deliverer real = new Deliverer(h.config, PluginChain.empty(), h.mx, Clock.systemUTC());
            DeliveryWorker worker = h.startWorker("budget", b -> b.closing(real).deliverer(d -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    return real.deliver(d);
                } finally {
                    running.decrementAndGet();
                }
            }));

            await().atMost(Duration.ofSeconds(60)).until(() -> worker.delivered() == MESSAGES);
            Map<String, Long> perMessage = h.events(h.topics.delivered()).stream()
                    .collect(Collectors.groupingBy(DeliveryEvent::getMessageId, Collectors.counting()));
            assertThat(perMessage.keySet()).isEqualTo(sent.stream().map(OutboundMessage::getId).collect(Collectors.toSet()));
            assertThat(perMessage.values()).allMatch(n -> n == 1);
            assertThat(mx.received()).hasSize(MESSAGES);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);

            // Every delivery holds at least its message: the budget bounds how many run at once.
            assertThat((long) mostAtOnce.get() * MESSAGE_BYTES).isLessThanOrEqualTo(BUDGET);
            assertThat(worker.counters().budgetPauses()).isPositive();
            assertThat(worker.counters().peakInflightBytes()).isBetween((long) MESSAGE_BYTES, BUDGET);
        }
    }
}

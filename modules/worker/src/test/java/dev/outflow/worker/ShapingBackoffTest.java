package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An MX answers 421 4.7.28 twice in a row: the destination is suspended for its back-off; the
 * records waiting for it are parked in the delay bucket until the back-off ends, attempt unchanged,
 * and no retry is spent on them; once the back-off is over (the test plays the scheduler: it puts
 * the parked copies back on outbound) they are delivered as first attempts.
 */
class ShapingBackoffTest {

    @Test
    void repeatedThrottlingSuspendsTheDestinationWithoutSpendingRetries(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "bo.test  connections=1 backoff=1m backoff_after=2\n");
        Instant start = Instant.now();
        MutableClock clock = new MutableClock(start);
        Action throttled = Action.reply(421, "4.7.28 Our system has detected an unusual rate of mail, try again later");
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.22").on(Command.MAIL, throttled, throttled, Action.proceed()).start();
             WorkerHarness h = new WorkerHarness(1, "shaping.rules", rules.toString())) {
            h.mx.route("bo.test", mx);
            List<OutboundMessage> sent = new ArrayList<>();
            for (int i = 0; i < 6; i++) sent.add(WorkerHarness.message("u" + i + "@bo.test"));
            h.sendAll(0, sent);
            DeliveryWorker worker = h.startWorker("backoff", b -> b.clock(clock));

            // two attempts answered 421 (deferred, as any temporary failure), then the rest is parked
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.deferred() == 2 && worker.parked() == 4);
            assertThat(worker.suspendedDestinations()).isEqualTo(1);
            assertThat(worker.counters().suspendedParked()).isEqualTo(4);
            assertThat(mx.received()).isEmpty();
            // 1 minute left: the 1m bucket (the largest not longer than the wait), due when the back-off ends
            List<ConsumerRecord<String, OutboundMessage>> parked = WorkerHarness.KAFKA.drain(h.topics.delay("1m"),
                    new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30));
            assertThat(parked).hasSize(4).allSatisfy(r -> {
                assertThat(r.key()).isEqualTo("bo.test");
                assertThat(r.value().getAttempt()).isZero();
                assertThat(r.value().getThrottled()).isTrue();
                assertThat(r.value().getNotBefore()).isEqualTo(start.plus(Duration.ofMinutes(1)).toEpochMilli());
            });
            assertThat(h.events(h.topics.deferred())).hasSize(2).allSatisfy(e -> assertThat(e.getAttempt()).isEqualTo(1));

            // still suspended: a new record waits too
            OutboundMessage late = h.submit(WorkerHarness.message("late@bo.test"));
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.parked() == 5);

            // the back-off is over: the scheduler would release the parked copies now
            clock.advance(Duration.ofMinutes(1).plusSeconds(1));
            assertThat(worker.suspendedDestinations()).isZero();
            List<ConsumerRecord<String, OutboundMessage>> all = WorkerHarness.KAFKA.drain(h.topics.delay("1m"),
                    new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30));
            assertThat(all).hasSize(5);
            for (ConsumerRecord<String, OutboundMessage> r : all) h.submit(r.value());
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.delivered() == 5);
            assertThat(mx.received()).hasSize(5);
            List<DeliveryEvent> delivered = h.events(h.topics.delivered());
            assertThat(delivered).hasSize(5).allSatisfy(e -> assertThat(e.getAttempt()).isZero());
            Set<String> expected = sent.subList(2, 6).stream().map(OutboundMessage::getId).collect(Collectors.toSet());
            expected.add(late.getId());
            assertThat(delivered.stream().map(DeliveryEvent::getMessageId).collect(Collectors.toSet())).isEqualTo(expected);
        }
    }
}

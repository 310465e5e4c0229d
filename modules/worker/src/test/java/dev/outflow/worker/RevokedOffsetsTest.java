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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The loss window of a slow commit across a rebalance: worker "old" delivers records of both
 * partitions, but the broker holds its transaction's offset commit; "new" joins, "old" gives the
 * revoked partition up while that commit still waits; the broker then refuses the commit (stale
 * generation) and "old" retries it. The retry must not carry the revoked partition's offsets:
 * committed under the new generation, with no outputs, they would move the partition past
 * records nobody published, and once "new" dies before finishing them, its replacement would
 * start after them. Every message must end with exactly one DELIVERED event.
 */
class RevokedOffsetsTest {
    private static final int PER_PARTITION = 10;

    @Test
    void aRetriedCommitNeverCarriesOffsetsOfARevokedPartition() throws Exception {
        int firstRound = 2 * PER_PARTITION;
        // The MX answers the first delivery of every message ("old"), then stalls ("new" never finishes).
        Action[] script = new Action[firstRound + 1];
        Arrays.fill(script, Action.proceed());
        script[firstRound] = Action.stall();
        try (FakeMx stalling = FakeMx.builder().bind("127.0.0.15").on(Command.END_OF_DATA, script).start();
             FakeMx fast = FakeMx.builder().bind("127.0.0.16").start();
             WorkerHarness h = new WorkerHarness(2, "worker.commit_interval", "1s", "worker.shutdown_timeout", "5s",
                     "outbound.data_timeout", "5m")) {
            List<OutboundMessage> sent = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                List<OutboundMessage> part = new ArrayList<>();
                for (int i = 0; i < PER_PARTITION; i++) {
                    String domain = "m" + i + ".p" + p + ".test";
                    h.mx.route(domain, stalling);
                    part.add(WorkerHarness.message("r@" + domain));
                }
                sent.addAll(part);
            }
            SlowOffsetsProducer.Gate gate = new SlowOffsetsProducer.Gate();
            DeliveryWorker old = h.startWorker("old", b -> b.producerDecorator(p -> new SlowOffsetsProducer(p, gate)));
            await().atMost(Duration.ofSeconds(60)).until(() -> old.assignment().size() == 2);

            gate.hold(); // the first commit, with the records below, waits at the broker
            h.sendAll(0, sent.subList(0, PER_PARTITION));
            h.sendAll(1, sent.subList(PER_PARTITION, firstRound));
            await().atMost(Duration.ofSeconds(60)).until(() -> stalling.received().size() == firstRound && gate.holding());

            DeliveryWorker newer = h.startWorker("new");
            await().atMost(Duration.ofSeconds(60)).until(() -> newer.assignment().size() == 1 && old.assignment().size() == 1);
            gate.release();
            // The batch comes back refused (stale generation) and commits again without the revoked partition.
            await().atMost(Duration.ofSeconds(60)).until(() -> old.delivered() == PER_PARTITION);

            newer.haltForTest(); // dies before it could finish the partition it took over
            for (OutboundMessage m : sent) h.mx.route(m.getDomain(), fast);
            DeliveryWorker replacement = h.startWorker("replacement");

            Set<String> ids = sent.stream().map(OutboundMessage::getId).collect(Collectors.toSet());
            await().atMost(Duration.ofSeconds(60)).until(() -> h.events(h.topics.delivered()).stream()
                    .map(DeliveryEvent::getMessageId).collect(Collectors.toSet()).containsAll(ids));
            await().atMost(Duration.ofSeconds(30)).until(() -> h.lag() == 0);
            List<DeliveryEvent> events = h.events(h.topics.delivered());
            Map<String, Long> perMessage = events.stream().collect(Collectors.groupingBy(DeliveryEvent::getMessageId, Collectors.counting()));
            assertThat(perMessage.keySet()).isEqualTo(ids);
            assertThat(perMessage.values()).allMatch(n -> n == 1);
            assertThat(events).extracting(DeliveryEvent::getWorkerId).doesNotContain("new");
            assertThat(old.delivered() + replacement.delivered()).isEqualTo(firstRound);
        }
    }
}

package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;
import dev.outflow.core.intake.DomainShards;
import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain limited to 4 per minute and spread over 2 shards, consumed by two workers: whichever
 * worker owns which shard, the MX never receives more than 4 messages in one minute of the
 * workers' clock, and the rest follow as minutes pass.
 */
class ShapingRateAcrossWorkersTest {
    private static final int PER_MINUTE = 4;
    private static final int MESSAGES = 10;

    @Test
    void theClusterStaysWithinTheRate(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "rl.test  rate=" + PER_MINUTE + "/m\n");
        MutableClock clock = new MutableClock(Instant.now());
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.21").start();
             WorkerHarness h = new WorkerHarness(4, "shaping.rules", rules.toString(), "outbound.domain_shards", "rl.test:2")) {
            h.mx.route("rl.test", mx);
            DeliveryWorker a = h.startWorker("rate-a", b -> b.clock(clock));
            DeliveryWorker b = h.startWorker("rate-b", w -> w.clock(clock));
            await().atMost(Duration.ofSeconds(60)).until(() -> !a.assignment().isEmpty() && !b.assignment().isEmpty());
            DomainShards shards = DomainShards.from(Config.of(Map.of("outbound.domain_shards", "rl.test:2")));
            for (int i = 0; i < MESSAGES; i++) {
                OutboundMessage m = WorkerHarness.message("user" + i + "@rl.test");
                h.send(shards.routingKey("rl.test", m.getRecipients().getFirst()), Serdes.outboundMessage().serialize(h.topics.outbound(), m));
            }

            int before = 0;
            for (int minute = 0; before < MESSAGES; minute++) {
                int prior = before;
                // each shard's worker has half the rate: at least one share arrives, and nothing more for this minute
                await().atMost(Duration.ofSeconds(30)).until(() -> mx.received().size() >= Math.min(MESSAGES, prior + PER_MINUTE / 2));
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20))
                        .until(() -> mx.received().size() - prior <= PER_MINUTE);
                before = mx.received().size();
                assertThat(before - prior).as("minute %d", minute).isBetween(1, PER_MINUTE);
                clock.advance(Duration.ofMinutes(1));
            }
            assertThat(mx.received()).hasSize(MESSAGES);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.delivered() + b.delivered() == MESSAGES);
            assertThat(a.shapingHeld() + b.shapingHeld()).isPositive();
        }
    }
}

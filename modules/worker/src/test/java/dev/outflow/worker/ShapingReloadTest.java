package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules file is re-read while the worker runs: a destination held at 1 per minute (the clock
 * stands still) is released by raising its rate in the file; a broken file meanwhile changes
 * nothing.
 */
class ShapingReloadTest {

    @Test
    void aChangedRulesFileTakesEffectWithoutRestart(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "rl.test  rate=1/m\n");
        MutableClock clock = new MutableClock(Instant.now());
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.26").start();
             WorkerHarness h = new WorkerHarness(1, "shaping.rules", rules.toString())) {
            h.mx.route("rl.test", mx);
            List<OutboundMessage> sent = new ArrayList<>();
            for (int i = 0; i < 4; i++) sent.add(WorkerHarness.message("u" + i + "@rl.test"));
            h.sendAll(0, sent);
            DeliveryWorker worker = h.startWorker("reload", b -> b.clock(clock));
            await().atMost(Duration.ofSeconds(60)).until(() -> mx.received().size() == 1);

            // a broken file is refused: still 1 per minute
            Files.writeString(rules, "rl.test  rate=lots\n");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).until(() -> mx.received().size() == 1);

            Files.writeString(rules, "rl.test  rate=10/m\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 4);
            assertThat(mx.received()).hasSize(4);
        }
    }
}

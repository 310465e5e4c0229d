package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two domains hosted at one provider ({@code *.shared.test}) share its rule: together they get 3
 * deliveries per minute, not 3 each. The worker looks their MX up before their first delivery.
 */
class ShapingMxSuffixTest {

    @Test
    void domainsAtOneProviderShareItsRate(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "*.shared.test  rate=3/m\n");
        MutableClock clock = new MutableClock(Instant.now());
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.23").start();
             WorkerHarness h = new WorkerHarness(1, "shaping.rules", rules.toString())) {
            h.mx.route("one.test", mx, "mx1.shared.test").route("two.test", mx, "mx2.shared.test");
            List<OutboundMessage> sent = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                sent.add(WorkerHarness.message("a" + i + "@one.test"));
                sent.add(WorkerHarness.message("b" + i + "@two.test"));
            }
            h.sendAll(0, sent);
            DeliveryWorker worker = h.startWorker("suffix", b -> b.clock(clock));

            await().atMost(Duration.ofSeconds(60)).until(() -> mx.received().size() >= 3);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).until(() -> mx.received().size() == 3);

            clock.advance(Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> mx.received().size() >= 6);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).until(() -> mx.received().size() == 6);

            clock.advance(Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 8);
            assertThat(mx.received()).hasSize(8);
            assertThat(mx.received().stream().map(ShapingMxSuffixTest::domain).distinct()).containsExactlyInAnyOrder("one.test", "two.test");
        }
    }

    private static String domain(ReceivedMessage m) {
        String rcpt = m.recipients().getFirst();
        return rcpt.substring(rcpt.indexOf('@') + 1);
    }
}

package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code outbound.disabled} (hot) keeps mail queued without touching the MX; clearing it delivers the mail. */
class DisabledPauseTest {

    @Test
    void holdsMailWhileDisabledAndDeliversOnceEnabled() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.6").start();
             WorkerHarness h = new WorkerHarness(2, "outbound.disabled", "true")) {
            h.mx.route("d.test", mx);
            DeliveryWorker worker = h.startWorker("disabled");
            await().atMost(Duration.ofSeconds(30)).until(() -> !worker.assignment().isEmpty() && worker.isPaused());
            for (int i = 0; i < 3; i++) h.submit(WorkerHarness.message("r" + i + "@d.test"));

            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> mx.connections() == 0 && worker.delivered() == 0);
            assertThat(h.lag()).isGreaterThanOrEqualTo(3L); // plus warm-up records not yet taken

            h.config.set(Map.of("outbound.disabled", "false"));
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 3);
            assertThat(worker.isPaused()).isFalse();
            assertThat(mx.received()).hasSize(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);
        }
    }
}

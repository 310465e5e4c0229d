package dev.outflow.submission.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.core.hooks.PluginChain;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A submission waiting on a retry topic survives its router: the router stops, another one (same
 * group, another id) takes the partitions and queues the submission once when it is due.
 */
class RetryAfterRestartTest {

    @Test
    void aWaitingSubmissionIsQueuedOnceByTheNextRouter() {
        try (RouterFixture f = new RouterFixture(Map.of("router.retry_intervals", "10m"))) {
            MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
            DenysoftRetryTest.SoftThenPass plugin = new DenysoftRetryTest.SoftThenPass(1);
            PluginChain plugins = new PluginChain(List.of(plugin));
            SubmissionRouter first = f.start("before-restart", plugins, clock);
            f.send("k-retry", RouterFixture.avro("retry-1", List.of("a@a.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> first.retried() == 1);
            first.close();

            clock.advance(Duration.ofMinutes(10));
            SubmissionRouter second = f.start("after-restart", plugins, clock);
            await().atMost(Duration.ofSeconds(90)).until(() -> second.accepted() == 1);

            assertThat(plugin.calls.get()).isEqualTo(2);
            assertThat(second.submissions()).isZero();
            assertThat(f.outbound()).extracting(r -> r.value().getId()).containsExactly("retry-1");
            assertThat(f.dlq()).isEmpty();
        }
    }
}

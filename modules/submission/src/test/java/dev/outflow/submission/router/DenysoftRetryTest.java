package dev.outflow.submission.router;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.codec.DlqRecords;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.submission.router.internal.RetryTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

/**
 * A queue_outbound plugin answers DENYSOFT twice, then lets the message pass: the submission waits
 * on the retry topics (1 min, then 5 min), is not tried before it is due, and is queued exactly
 * once at the third attempt, with no REJECTED event and no DLQ copy. While it waits, a submission
 * behind it on the same partition of the submissions topic is queued.
 */
class DenysoftRetryTest {

    /** DENYSOFT for the first {@code soft} calls about {@code retry-1}, then CONT; CONT for anything else. */
    static final class SoftThenPass implements OutboundPlugin {
        final AtomicInteger calls = new AtomicInteger();
        private final int soft;

        SoftThenPass(int soft) {
            this.soft = soft;
        }

        @Override
        public String name() {
            return "soft-then-pass";
        }

        @Override
        public HookResult queueOutbound(MessageView m) {
            if (!m.id().equals("retry-1")) return HookResult.cont();
            return calls.incrementAndGet() <= soft ? HookResult.denysoft("Quota service busy") : HookResult.cont();
        }
    }

    @Test
    void aDenysoftSubmissionIsTriedAgainWhenDueAndQueuedOnceWhileItsPartitionKeepsMoving() {
        try (RouterFixture f = new RouterFixture(Map.of("router.retry_intervals", "1m, 5m, 1h"))) {
            MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
            SoftThenPass plugin = new SoftThenPass(2);
            SubmissionRouter router = f.start("soft-retry", new PluginChain(List.of(plugin)), clock);
            String retry1m = f.topics.prefix() + "router.retry.1m";
            assertThat(router.retryTopics()).containsExactlyInAnyOrder(retry1m, f.topics.prefix() + "router.retry.5m",
                    f.topics.prefix() + "router.retry.1h");

            f.send("k-retry", RouterFixture.avro("retry-1", List.of("a@a.test")), true);
            await().atMost(Duration.ofSeconds(60)).until(() -> router.retried() == 1);

            // The partition keeps moving while the first submission waits.
            f.send("k-next", RouterFixture.avro("next-1", List.of("b@b.test")), true);
            await().atMost(Duration.ofSeconds(60)).until(() -> router.accepted() == 1);
            // Not tried again before it is due (the clock has not moved).
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> plugin.calls.get() == 1);

            // The waiting record: the submission as written, with its retry history.
            List<ConsumerRecord<byte[], byte[]>> waiting = f.raw(retry1m);
            assertThat(waiting).hasSize(1);
            Headers h = waiting.getFirst().headers();
            assertThat(new String(waiting.getFirst().key(), UTF_8)).isEqualTo("k-retry");
            assertThat(header(h, RetryTopics.ATTEMPTS)).isEqualTo("1");
            assertThat(header(h, RetryTopics.DUE)).isEqualTo(Long.toString(clock.millis() + 60_000));
            assertThat(header(h, RetryTopics.REASON)).isEqualTo("451 4.7.1 Quota service busy");
            assertThat(header(h, DlqRecords.SOURCE_TOPIC)).isEqualTo(f.topics.submissions());
            assertThat(header(h, DlqRecords.SOURCE_PARTITION)).isEqualTo("0");

            clock.advance(Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(60)).until(() -> router.retried() == 2);
            assertThat(plugin.calls.get()).isEqualTo(2);
            clock.advance(Duration.ofMinutes(5));
            await().atMost(Duration.ofSeconds(60)).until(() -> router.accepted() == 2);

            assertThat(plugin.calls.get()).isEqualTo(3);
            assertThat(router.submissions()).isEqualTo(2);
            assertThat(router.rejected()).isZero();
            assertThat(f.outbound()).extracting(r -> r.value().getId()).containsExactlyInAnyOrder("next-1", "retry-1");
            assertThat(f.bounced()).isEmpty();
            assertThat(f.dlq()).isEmpty();
        }
    }

    private static String header(Headers h, String key) {
        return h.lastHeader(key) == null ? null : new String(h.lastHeader(key).value(), UTF_8);
    }
}

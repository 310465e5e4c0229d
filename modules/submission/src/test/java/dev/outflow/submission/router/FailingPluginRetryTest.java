package dev.outflow.submission.router;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A queue_outbound plugin that always throws: the submission is tried once and retried twice
 * ({@code router.retry_intervals=1m*2}), then dead-lettered with a REJECTED event whose reason
 * names the plugin's failure and the attempts; the DLQ copy is the record as the producer wrote
 * it, pointing at the submissions topic.
 */
class FailingPluginRetryTest {

    static final class Thrower implements OutboundPlugin {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "thrower";
        }

        @Override
        public HookResult queueOutbound(MessageView m) {
            calls.incrementAndGet();
            throw new IllegalStateException("quota backend down");
        }
    }

    @Test
    void aPluginThatAlwaysThrowsEndsInTheDlqAfterTheRetries() {
        try (RouterFixture f = new RouterFixture(Map.of("router.retry_intervals", "1m*2"))) {
            MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
            Thrower plugin = new Thrower();
            SubmissionRouter router = f.start("throwing", new PluginChain(List.of(plugin)), clock);
            byte[] submission = RouterFixture.avro("boom-1", List.of("a@a.test", "b@b.test"));
            f.send("k-boom", submission, true);

            await().atMost(Duration.ofSeconds(60)).until(() -> router.retried() == 1);
            assertThat(router.rejected()).isZero();
            clock.advance(Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(60)).until(() -> router.retried() == 2);
            assertThat(router.rejected()).isZero();
            clock.advance(Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(60)).until(() -> router.rejected() == 1);

            assertThat(plugin.calls.get()).isEqualTo(3);
            assertThat(router.submissions()).isEqualTo(1);
            String reason = "451 4.7.1 plugin thrower failed; try again later (gave up after 3 attempts in 2 min, router.retry_intervals)";
            List<ConsumerRecord<String, DeliveryEvent>> events = f.bounced();
            assertThat(events).hasSize(1);
            DeliveryEvent e = events.getFirst().value();
            assertThat(events.getFirst().key()).isEqualTo("boom-1");
            assertThat(e.getOutcome()).isEqualTo(Outcome.REJECTED);
            assertThat(e.getReason()).isEqualTo(reason);
            assertThat(e.getRecipients()).extracting(s -> s.getAddress()).containsExactly("a@a.test", "b@b.test");
            assertThat(e.getRecipients()).allSatisfy(s -> assertThat(s.getCode()).isEqualTo(451));

            List<ConsumerRecord<byte[], byte[]>> dlq = f.dlq();
            assertThat(dlq).hasSize(1);
            ConsumerRecord<byte[], byte[]> copy = dlq.getFirst();
            assertThat(DlqRecords.reason(copy.headers())).isEqualTo(reason);
            assertThat(copy.value()).isEqualTo(submission);
            assertThat(new String(copy.key(), UTF_8)).isEqualTo("k-boom");
            assertThat(new String(copy.headers().lastHeader(DlqRecords.SOURCE_TOPIC).value(), UTF_8)).isEqualTo(f.topics.submissions());
            assertThat(new String(copy.headers().lastHeader(DlqRecords.SOURCE_PARTITION).value(), UTF_8)).isEqualTo("0");
            assertThat(copy.headers().lastHeader("outflow.retry.attempts")).isNull();
            assertThat(f.outbound()).isEmpty();
        }
    }
}

package dev.outflow.submission.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The queue_outbound hooks run on Kafka submissions: DENY and DENYSOFT become REJECTED events with
 * the plugin's message (DENYSOFT with 451, and the id may be submitted again), OK takes the message.
 * With {@code router.retry_intervals=none} a DENYSOFT is final at once; the retries of the default
 * schedule are shown by {@link DenysoftRetryTest}.
 */
class QueueOutboundHookTest {

    /** DENY for deny.test, DENYSOFT for soft.test while {@link #soft} is set, OK for sink.test. */
    static final class Policy implements OutboundPlugin {
        final AtomicBoolean soft = new AtomicBoolean(true);

        @Override
        public String name() {
            return "test-policy";
        }

        @Override
        public HookResult queueOutbound(MessageView m) {
            if (m.recipients().stream().anyMatch(r -> r.endsWith("@deny.test"))) return HookResult.deny("Policy says no to " + m.id());
            if (soft.get() && m.recipients().stream().anyMatch(r -> r.endsWith("@soft.test"))) {
                return HookResult.denysoft("Over quota, retry later");
            }
            if (m.recipients().stream().anyMatch(r -> r.endsWith("@sink.test"))) return HookResult.ok("taken by the test sink");
            return HookResult.cont();
        }
    }

    @Test
    void denyAndDenysoftAreRejectedWithThePluginsMessageAndOkIsTaken() {
        try (RouterFixture f = new RouterFixture(Map.of("router.retry_intervals", "none"))) {
            Policy policy = new Policy();
            SubmissionRouter router = f.start("hooks", new PluginChain(List.of(policy)), Clock.systemUTC());
            f.send("k-deny", RouterFixture.avro("denied-1", List.of("x@deny.test", "y@a.test")));
            f.send("k-soft", RouterFixture.avro("soft-1", List.of("x@soft.test")));
            f.send("k-sink", RouterFixture.avro("sunk-1", List.of("x@sink.test")));
            f.send("k-pass", RouterFixture.avro("pass-1", List.of("x@a.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == 4);
            assertThat(router.rejected()).isEqualTo(2);
            assertThat(router.handled()).isEqualTo(1);
            assertThat(router.accepted()).isEqualTo(1);

            Map<String, DeliveryEvent> events = f.bounced().stream()
                    .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(events).containsOnlyKeys("denied-1", "soft-1");
            DeliveryEvent denied = events.get("denied-1");
            assertThat(denied.getOutcome()).isEqualTo(Outcome.REJECTED);
            assertThat(denied.getReason()).isEqualTo("550 5.7.1 Policy says no to denied-1");
            assertThat(denied.getRecipients()).extracting(s -> s.getAddress()).containsExactly("x@deny.test", "y@a.test");
            assertThat(denied.getRecipients()).allSatisfy(s -> assertThat(s.getCode()).isEqualTo(550));
            assertThat(events.get("soft-1").getReason()).isEqualTo("451 4.7.1 Over quota, retry later");
            assertThat(f.dlq()).extracting(r -> DlqRecords.reason(r.headers()))
                    .containsExactlyInAnyOrder("550 5.7.1 Policy says no to denied-1", "451 4.7.1 Over quota, retry later");

            // A temporary rejection does not record the id: the producer's retry goes through.
            policy.soft.set(false);
            f.send("k-soft", RouterFixture.avro("soft-1", List.of("x@soft.test")));
            // Taken by a plugin counts as queued: a retry is a duplicate.
            f.send("k-sink", RouterFixture.avro("sunk-1", List.of("x@sink.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == 6);
            assertThat(router.accepted()).isEqualTo(2);
            assertThat(router.duplicates()).isEqualTo(1);
            assertThat(f.outbound()).extracting(r -> r.value().getId()).containsExactlyInAnyOrder("pass-1", "soft-1");
        }
    }
}

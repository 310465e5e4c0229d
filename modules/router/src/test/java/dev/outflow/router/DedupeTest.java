package dev.outflow.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** A submission id seen within the dedupe window is queued once, in any format, across router restarts. */
class DedupeTest {

    @Test
    void sameIdIsQueuedOnceAlsoAcrossARestart() throws Exception {
        try (RouterFixture f = new RouterFixture()) {
            SubmissionRouter first = f.start("dedupe-a");
            // A producer retrying in another format: still the same message. Same partition, so the
            // Avro original is read first (across partitions, whichever is read first is queued).
            f.sendTo(0, "dup-1", RouterFixture.avro("dup-1", List.of("a@a.test", "b@b.test")));
            f.sendTo(0, "retry", RouterFixture.json("""
                    {"id": "dup-1", "mailFrom": "sender@src.test", "recipients": ["x@c.test"], "contents": "Subject: x\\n\\nx\\n"}"""));
            f.send("other-1", RouterFixture.avro("other-1", List.of("a@a.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> first.submissions() == 3);
            assertThat(first.accepted()).isEqualTo(2);
            assertThat(first.duplicates()).isEqualTo(1);
            first.close();

            SubmissionRouter second = f.start("dedupe-b");
            // Under another key, on the same partition: its entries were restored from the changelog.
            // (Dedupe is per partition of the submissions topic: producers key submissions by id.)
            f.sendTo(0, null, RouterFixture.avro("dup-1", List.of("a@a.test", "b@b.test")));
            f.send(null, RouterFixture.avro("after-1", List.of("a@a.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> second.submissions() == 2);
            assertThat(second.duplicates()).as("restored from the changelog").isEqualTo(1);
            assertThat(second.accepted()).isEqualTo(1);

            List<ConsumerRecord<String, OutboundMessage>> out = f.outbound();
            assertThat(ids(out)).containsExactlyInAnyOrder("dup-1", "dup-1", "other-1", "after-1");
            assertThat(out.stream().filter(r -> r.value().getId().equals("dup-1")).map(ConsumerRecord::key))
                    .containsExactlyInAnyOrder("a.test", "b.test");

            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, second.dedupeTopic());
            Config changelog = f.kafka.adminClient().describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic);
            assertThat(changelog.get("cleanup.policy").value()).isEqualTo("compact,delete");
        }
    }

    @Test
    void anIdIsQueuedAgainOnlyAfterTheWindowAlsoWhenRestored() {
        try (RouterFixture f = new RouterFixture(Map.of("router.dedupe_window", "1h"))) {
            MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
            SubmissionRouter r1 = f.start("window-a", PluginChain.empty(), clock);
            submitAndAwait(f, r1, 1);
            clock.advance(Duration.ofMinutes(50));
            submitAndAwait(f, r1, 2);
            assertThat(r1.accepted()).isEqualTo(1);
            assertThat(r1.duplicates()).isEqualTo(1);

            clock.advance(Duration.ofMinutes(11));   // 61 minutes after the first
            submitAndAwait(f, r1, 3);
            assertThat(r1.accepted()).as("window passed: queued again").isEqualTo(2);
            r1.close();

            // The changelog holds the entry of minute 61: still inside the window after a restart.
            clock.advance(Duration.ofMinutes(30));
            SubmissionRouter r2 = f.start("window-b", PluginChain.empty(), clock);
            submitAndAwait(f, r2, 1);
            assertThat(r2.duplicates()).isEqualTo(1);
            r2.close();

            // Restoring skips entries older than the window.
            clock.advance(Duration.ofMinutes(31));
            SubmissionRouter r3 = f.start("window-c", PluginChain.empty(), clock);
            submitAndAwait(f, r3, 1);
            assertThat(r3.accepted()).isEqualTo(1);

            assertThat(ids(f.outbound())).containsExactly("dup-w", "dup-w", "dup-w");
        }
    }

    private static void submitAndAwait(RouterFixture f, SubmissionRouter router, long submissions) {
        f.send("dup-w", RouterFixture.avro("dup-w", List.of("w@a.test")));
        await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == submissions);
    }

    private static List<String> ids(List<ConsumerRecord<String, OutboundMessage>> records) {
        return records.stream().map(r -> r.value().getId()).toList();
    }
}

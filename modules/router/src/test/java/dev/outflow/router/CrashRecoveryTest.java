package dev.outflow.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.testkit.kafka.TopicReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A router killed mid-stream — its open transaction left on the broker with parts already sent —
 * and restarted neither loses nor duplicates a submission: every submission ends up as exactly
 * its expected number of outbound records, with or without an id.
 */
class CrashRecoveryTest {
    private static final int SUBMISSIONS = 3000;

    @Test
    void haltedRouterIsReplacedWithoutLossOrDuplicates() throws Exception {
        try (RouterFixture f = new RouterFixture()) {
            for (int i = 0; i < SUBMISSIONS; i++) {
                // Every tenth has an id: its dedupe entry of the abandoned transaction must not hide it.
                String id = i % 10 == 0 ? "crash-" + i : null;
                f.sendAsync(null, RouterFixture.avro(id, "sender@src.test", List.of("a" + i + "@a.test", "b" + i + "@b.test"),
                        RouterFixture.MESSAGE, Map.of("seq", Integer.toString(i))));
            }
            f.flush();

            SubmissionRouter first = f.start("crash");
            try (TopicReader<String, OutboundMessage> reader = f.outboundReader()) {
                reader.awaitCount(600, Duration.ofSeconds(60));
            }
            int abandoned = first.haltForTest();
            assertThat(abandoned).as("records in the abandoned transaction").isPositive();
            long committedBefore = first.submissions();
            assertThat(committedBefore).isLessThan(SUBMISSIONS);

            // Same router id: its first initTransactions aborts the predecessor's open transaction.
            SubmissionRouter second = f.start("crash");
            await().atMost(Duration.ofSeconds(90)).until(() -> committedBefore + second.submissions() == SUBMISSIONS);

            List<ConsumerRecord<String, OutboundMessage>> out = f.outbound();
            Map<String, List<OutboundMessage>> bySeq = out.stream().map(ConsumerRecord::value)
                    .collect(Collectors.groupingBy(m -> m.getNotes().get("seq")));
            assertThat(bySeq).hasSize(SUBMISSIONS);
            assertThat(bySeq.values()).allSatisfy(parts -> {
                assertThat(parts).hasSize(2);
                assertThat(parts.stream().map(OutboundMessage::getId).distinct()).hasSize(1);
                assertThat(parts.stream().map(OutboundMessage::getDomain)).containsExactlyInAnyOrder("a.test", "b.test");
            });
            assertThat(bySeq.get("30").getFirst().getId()).isEqualTo("crash-30");
            assertThat(out).hasSize(2 * SUBMISSIONS);
            assertThat(first.accepted() + second.accepted()).isEqualTo(SUBMISSIONS);
            assertThat(second.duplicates()).isZero();
        }
    }
}

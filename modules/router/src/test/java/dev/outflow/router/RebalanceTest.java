package dev.outflow.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A second router joining the group takes over partitions with their dedupe entries (restored from
 * the changelog): ids queued by the first router before the move are still recognised.
 */
class RebalanceTest {

    @Test
    void partitionsMoveToASecondRouterWithTheirDedupeEntries() {
        try (RouterFixture f = new RouterFixture()) {
            SubmissionRouter a = f.start("rebalance-a");
            for (int p = 0; p < 3; p++) f.sendTo(p, "move-" + p, RouterFixture.avro("move-" + p, List.of("m" + p + "@a.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> a.submissions() == 3);

            SubmissionRouter b = f.start("rebalance-b");
            await().atMost(Duration.ofSeconds(60)).until(() -> !a.assignment().isEmpty() && !b.assignment().isEmpty()
                    && a.assignment().size() + b.assignment().size() == 3);

            for (int p = 0; p < 3; p++) {
                f.sendTo(p, "move-" + p, RouterFixture.avro("move-" + p, List.of("m" + p + "@a.test")));
                f.sendTo(p, "fresh-" + p, RouterFixture.avro("fresh-" + p, List.of("f" + p + "@b.test")));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> a.submissions() + b.submissions() == 9);
            assertThat(a.duplicates() + b.duplicates()).isEqualTo(3);
            assertThat(b.duplicates()).as("one duplicate per partition b took over").isEqualTo(b.assignment().size());
            assertThat(b.accepted()).isEqualTo(b.assignment().size());

            Map<String, Long> perId = f.outbound().stream().map(ConsumerRecord::value)
                    .collect(Collectors.groupingBy(OutboundMessage::getId, Collectors.counting()));
            assertThat(perId).containsOnlyKeys("move-0", "move-1", "move-2", "fresh-0", "fresh-1", "fresh-2")
                    .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1L));
        }
    }
}

package dev.outflow.submission.router;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code router.max_recipients} and {@code outbound.max_message_bytes} on the Kafka path: a
 * submission over either is rejected with a reason naming the limit (event and DLQ copy); one at
 * the recipient limit passes.
 */
class RouterLimitsTest {

    @Test
    void recipientsAndSizeOverTheLimitsAreRejectedNamingTheLimit() {
        try (RouterFixture f = new RouterFixture(Map.of("router.max_recipients", "3", "outbound.max_message_bytes", "1k"))) {
            SubmissionRouter router = f.start("limits");
            byte[] big = new byte[1025];
            Arrays.fill(big, (byte) 'x');

            f.send("k-many", RouterFixture.avro("many-1", List.of("a@a.test", "b@a.test", "c@b.test", "d@c.test")), true);
            f.send("k-three", RouterFixture.avro("three-1", List.of("a@a.test", "b@a.test", "c@b.test")), true);
            f.send("k-big", RouterFixture.avro("big-1", "sender@src.test", List.of("a@a.test"), big, Map.of()), true);
            await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == 3);
            assertThat(router.accepted()).isEqualTo(1);
            assertThat(router.rejected()).isEqualTo(2);

            String tooMany = "550 5.5.3 Too many recipients: 4 (router.max_recipients is 3)";
            String tooBig = "552 5.3.4 Message size exceeds fixed limit of 1024 bytes (outbound.max_message_bytes; contents are 1025 bytes)";
            Map<String, DeliveryEvent> events = f.bounced().stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(events).containsOnlyKeys("many-1", "big-1");
            assertThat(events.values()).allSatisfy(e -> assertThat(e.getOutcome()).isEqualTo(Outcome.REJECTED));
            assertThat(events.get("many-1").getReason()).isEqualTo(tooMany);
            assertThat(events.get("many-1").getRecipients()).isEmpty();
            assertThat(events.get("big-1").getReason()).isEqualTo(tooBig);
            assertThat(events.get("big-1").getRecipients()).extracting(s -> s.getCode()).containsExactly(552);

            Map<String, String> dlq = f.dlq().stream().collect(Collectors.toMap(r -> new String(r.key(), UTF_8),
                    r -> DlqRecords.reason(r.headers())));
            assertThat(dlq).containsExactlyInAnyOrderEntriesOf(Map.of("k-many", tooMany, "k-big", tooBig));
            // One part per domain, both of the submission at the limit.
            assertThat(f.outbound()).extracting(r -> r.value().getId() + " " + r.value().getDomain())
                    .containsExactlyInAnyOrder("three-1 a.test", "three-1 b.test");
        }
    }
}

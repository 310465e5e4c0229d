package dev.outflow.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionPublisher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The router follows the suppression list: a submission to a suppressed recipient becomes a
 * REJECTED event naming the suppression, before anything is queued; the list holds across a
 * restart of the router and changes reach a running router; suppression.enabled=false queues it.
 */
class SuppressedRecipientTest {

    private static Suppression manual(String address) {
        return new Suppression(address, "asked to stop", Suppression.MANUAL, null, System.currentTimeMillis(), 0);
    }

    @Test
    void suppressedRecipientIsRejectedNamingTheSuppressionAlsoAfterARestart() {
        try (RouterFixture f = new RouterFixture();
             SuppressionPublisher list = new SuppressionPublisher(f.kafka.producerProps(), f.topics.suppressions())) {
            list.add(manual("gone@a.test"));
            SubmissionRouter first = f.start("supp");
            f.send("k1", RouterFixture.avro("s-1", List.of("gone@a.test", "ok@b.test")));
            f.send("k2", RouterFixture.avro("s-2", List.of("ok@b.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> first.submissions() == 2);
            first.close();
            SubmissionRouter second = f.start("supp");
            f.send("k3", RouterFixture.avro("s-3", List.of("Gone@A.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> second.submissions() == 1);

            Map<String, DeliveryEvent> events = f.bounced().stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(events).containsOnlyKeys("s-1", "s-3");
            assertThat(events.get("s-1").getOutcome()).isEqualTo(Outcome.REJECTED);
            assertThat(events.get("s-1").getReason()).isEqualTo("550 5.1.1 <gone@a.test> suppressed (manual: asked to stop)");
            assertThat(events.get("s-3").getReason()).startsWith("550 5.1.1 <Gone@a.test> suppressed (manual");
            assertThat(f.outbound()).extracting(r -> r.value().getId()).containsExactly("s-2");
        }
    }

    @Test
    void changesReachARunningRouterWithinSeconds() {
        try (RouterFixture f = new RouterFixture();
             SuppressionPublisher list = new SuppressionPublisher(f.kafka.producerProps(), f.topics.suppressions())) {
            SubmissionRouter router = f.start("supp-live");
            list.add(manual("late@a.test"));
            AtomicInteger n = new AtomicInteger();
            // Each poll submits once more until one is refused: the list arrived while the router ran.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                f.send("k", RouterFixture.avro("live-" + n.incrementAndGet(), List.of("late@a.test")));
                return router.rejected() > 0;
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == n.get());
            long acceptedBefore = router.accepted();
            list.remove("late@a.test");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                f.send("k", RouterFixture.avro("again-" + n.incrementAndGet(), List.of("late@a.test")));
                return router.accepted() > acceptedBefore;
            });
            assertThat(f.bounced()).extracting(r -> r.value().getReason())
                    .allSatisfy(reason -> assertThat(reason).startsWith("550 5.1.1 <late@a.test> suppressed"));
        }
    }

    @Test
    void disabledSuppressionQueuesTheMessage() {
        try (RouterFixture f = new RouterFixture(Map.of("suppression.enabled", "false"));
             SuppressionPublisher list = new SuppressionPublisher(f.kafka.producerProps(), f.topics.suppressions())) {
            list.add(manual("gone@a.test"));
            SubmissionRouter router = f.start("supp-off");
            f.send("k1", RouterFixture.avro("off-1", List.of("gone@a.test")));
            await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == 1);
            assertThat(router.accepted()).isEqualTo(1);
        }
    }
}

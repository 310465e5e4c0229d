package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;

/**
 * Records the worker parks in the first bucket (throttled: its domain was at its connection limit)
 * come back to outbound under their own routing key, unchanged, at their notBefore.
 */
class ThrottledRecordsTest {

    @Test
    void throttledRecordsInTheFirstBucketAreReleasedWithTheirKeyAndBytes() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "2s", "5s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler scheduler = bed.scheduler().start();
            bed.awaitReady(scheduler);

            long due = System.currentTimeMillis() + 1_000;
            OutboundMessage sharded = SchedulerTestBed.message("t-1", "gmail.example", due);
            sharded.setThrottled(true);
            sharded.setAttempt(0);
            OutboundMessage plain = SchedulerTestBed.message("t-2", "other.example", due);
            plain.setThrottled(true);
            bed.sendToFirstBucket("gmail.example#3", sharded);
            bed.sendToFirstBucket("other.example", plain);

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> outbound.poll() >= 2);
            for (int i = 0; i < 2; i++) {
                var r = outbound.records.get(i);
                OutboundMessage m = outbound.messages().get(i);
                OutboundMessage sent = m.getId().equals("t-1") ? sharded : plain;
                assertThat(new String(r.key())).isEqualTo(m.getId().equals("t-1") ? "gmail.example#3" : "other.example");
                assertThat(r.value()).isEqualTo(Serdes.outboundMessage().serialize("x", sent));
                assertThat(m.getThrottled()).isTrue();
                assertThat(r.timestamp()).isGreaterThanOrEqualTo(due);
                assertThat(outbound.arrivedAt.get(i)).isBetween(due, due + 1_500);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.stats().released() == 2);
            assertThat(scheduler.stats().routed()).isZero();
            assertThat(outbound.messages()).extracting(OutboundMessage::getId).containsExactlyInAnyOrder("t-1", "t-2");
            assertThat(scheduler.stats().deadLettered()).isZero();
        }
    }
}

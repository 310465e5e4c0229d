package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.outflow.avro.OutboundMessage;

/**
 * Deferred messages with delays below, between and above compressed buckets (1s, 2s, 5s) come back
 * to outbound no earlier than their notBefore and at most ~1.5 s after it, keyed by their domain.
 */
class CascadeTimingTest {
    private static final long[] DELAYS_MS = {500, 1_500, 3_000, 7_000};

    @Test
    void everyMessageComesBackAtItsNotBeforeNeverEarly() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "2s", "5s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler scheduler = bed.scheduler().start();
            bed.awaitReady(scheduler);

            Map<String, Long> notBefore = new HashMap<>();
            int n = 0;
            for (long delay : DELAYS_MS) {
                for (int i = 0; i < 3; i++) {
                    String id = "m-" + delay + "-" + i;
                    long due = System.currentTimeMillis() + delay;
                    notBefore.put(id, due);
                    bed.sendDeferred(SchedulerTestBed.message(id, "d" + (n++ % 5) + ".example", due));
                }
            }

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> outbound.poll() >= notBefore.size());

            List<OutboundMessage> messages = outbound.messages();
            assertThat(messages).extracting(OutboundMessage::getId).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(notBefore.keySet());
            for (int i = 0; i < messages.size(); i++) {
                OutboundMessage m = messages.get(i);
                ConsumerRecord<byte[], byte[]> r = outbound.records.get(i);
                long due = notBefore.get(m.getId());
                assertThat(m.getNotBefore()).isEqualTo(due);
                assertThat(r.timestamp()).as("released at or after notBefore: %s", m.getId()).isGreaterThanOrEqualTo(due);
                assertThat(outbound.arrivedAt.get(i)).as("lateness of %s", m.getId())
                        .isBetween(due, due + 1_500);
                assertThat(new String(r.key())).isEqualTo(m.getDomain());
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.stats().released() == notBefore.size());
            SchedulerStats stats = scheduler.stats();
            assertThat(stats.flushed()).isZero();
            assertThat(stats.deadLettered()).isZero();
            // 3.0 s → 2s then 1s; 7.0 s → 5s, 1s, 1s; others straight into 1s: at least 12 + 3 + 6 bucket writes.
            assertThat(stats.routed()).isGreaterThanOrEqualTo(21);
            assertThat(stats.lateness().early()).isZero();
            assertThat(stats.lateness().maxMs()).isLessThan(1_500);
        }
    }
}

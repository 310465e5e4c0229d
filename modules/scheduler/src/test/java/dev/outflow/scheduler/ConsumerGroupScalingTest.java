package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.outflow.avro.OutboundMessage;

/**
 * Two schedulers in one consumer group split the partitions between them and together release
 * every record exactly once, never early.
 */
class ConsumerGroupScalingTest {

    @Test
    void twoInstancesShareThePartitionsAndReleaseEachRecordOnce() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "2s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler a = bed.scheduler().start();
            bed.awaitReady(a);
            RetryScheduler b = bed.scheduler().start();
            int all = 3 * SchedulerTestBed.PARTITIONS;
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> a.assignedPartitions() > 0 && b.assignedPartitions() > 0
                            && a.assignedPartitions() + b.assignedPartitions() == all);

            Map<String, Long> notBefore = new HashMap<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 60; i++) {
                String id = "s-" + i;
                long due = now + 300 + (i % 6) * 400;
                notBefore.put(id, due);
                bed.sendDeferred(SchedulerTestBed.message(id, "d" + i + ".example", due));
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> outbound.poll() >= notBefore.size());
            await().atMost(Duration.ofSeconds(30)).until(bed::schedulerCaughtUp);
            outbound.poll();

            assertThat(outbound.messages()).extracting(OutboundMessage::getId)
                    .containsExactlyInAnyOrderElementsOf(notBefore.keySet());
            for (int i = 0; i < outbound.records.size(); i++) {
                long due = notBefore.get(outbound.messages().get(i).getId());
                assertThat(outbound.records.get(i).timestamp()).isGreaterThanOrEqualTo(due);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> a.stats().released() + b.stats().released() == notBefore.size());
            assertThat(a.stats().lateness().early() + b.stats().lateness().early()).isZero();
        }
    }
}

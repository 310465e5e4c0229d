package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.outflow.avro.OutboundMessage;

/**
 * A second scheduler joins the group while records wait in the first one's memory: the
 * partitions it takes over are rebuilt from the committed offsets, and together the two release
 * every record exactly once, never early.
 */
class ConsumerGroupScalingTest {

    @Test
    void aJoiningInstanceTakesOverWaitingRecordsAndEachIsReleasedOnce() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "2s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler a = bed.scheduler().start();
            bed.awaitReady(a);

            Map<String, Long> notBefore = new HashMap<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 60; i++) {
                String id = "s-" + i;
                // 0.3 s … 6.3 s: short ones in the 1s bucket's timer queue, long ones cascading from 2s.
                long due = now + 300 + (i % 10) * 600;
                notBefore.put(id, due);
                bed.sendDeferred(SchedulerTestBed.message(id, "d" + i + ".example", due));
            }
            RetryScheduler b = bed.scheduler().start();
            int all = 3 * SchedulerTestBed.PARTITIONS;
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> a.assignedPartitions() > 0 && b.assignedPartitions() > 0
                            && a.assignedPartitions() + b.assignedPartitions() == all);

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> outbound.poll() >= notBefore.size());
            await().atMost(Duration.ofSeconds(30)).until(bed::schedulerCaughtUp);
            outbound.poll();

            assertThat(outbound.messages()).extracting(OutboundMessage::getId)
                    .containsExactlyInAnyOrderElementsOf(notBefore.keySet());
            for (int i = 0; i < outbound.records.size(); i++) {
                long due = notBefore.get(outbound.messages().get(i).getId());
                assertThat(outbound.records.get(i).timestamp()).isGreaterThanOrEqualTo(due);
                assertThat(outbound.arrivedAt.get(i)).isGreaterThanOrEqualTo(due);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> a.stats().released() + b.stats().released() == notBefore.size());
            assertThat(a.stats().lateness().early() + b.stats().lateness().early()).isZero();
        }
    }
}

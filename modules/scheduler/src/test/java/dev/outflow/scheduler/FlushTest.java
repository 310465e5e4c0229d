package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.outflow.avro.Command;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.control.ControlPublisher;

/**
 * {@code outflow flush} (a FLUSH control command) releases every waiting record at once, with
 * notBefore rewritten to the release time; a record deferred after the flush waits as usual.
 */
class FlushTest {

    @Test
    void flushCommandReleasesRecordsDueInAnHourRightAway() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "2s", "5s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler scheduler = bed.scheduler().start();
            bed.awaitReady(scheduler);

            long inAnHour = System.currentTimeMillis() + 3_600_000;
            int n = 6;
            for (int i = 0; i < n; i++) {
                bed.sendDeferred(SchedulerTestBed.message("hour-" + i, "d" + i + ".example", inAnHour));
            }
            // Also a throttled record parked in the first bucket for a while.
            bed.sendToFirstBucket("parked.example", SchedulerTestBed.message("parked", "parked.example", inAnHour));
            await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.stats().routed() >= n && scheduler.stats().waiting() >= 1);
            assertThat(outbound.poll()).isZero();

            long flushedAt = System.currentTimeMillis();
            ControlPublisher.publish(bed.clientProps(), bed.topics.control(), Serdes.controlCommand(), Command.FLUSH, "test@host");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> outbound.poll() >= n + 1);
            long releasedWithin = System.currentTimeMillis() - flushedAt;
            await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.stats().flushed() == n + 1);

            List<OutboundMessage> messages = outbound.messages();
            assertThat(messages).extracting(OutboundMessage::getId).doesNotHaveDuplicates().hasSize(n + 1).contains("parked");
            for (int i = 0; i < messages.size(); i++) {
                long releasedAt = outbound.records.get(i).timestamp();
                assertThat(messages.get(i).getNotBefore()).isEqualTo(releasedAt).isBetween(flushedAt, flushedAt + releasedWithin);
            }
            assertThat(scheduler.stats().released()).isZero();

            // Deferred after the flush: read back from its bucket and held there, not released.
            await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.stats().waiting() == 0);
            bed.sendDeferred(SchedulerTestBed.message("after", "after.example", System.currentTimeMillis() + 3_600_000));
            await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.stats().waiting() == 1);
            assertThat(outbound.poll()).isEqualTo(n + 1);
            assertThat(scheduler.stats().flushed()).isEqualTo(n + 1);
        }
    }

    @Test
    void flushMethodReleasesWhatWaitsInEveryBucket() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "1m", "1h");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler scheduler = bed.scheduler().start();
            bed.awaitReady(scheduler);
            long now = System.currentTimeMillis();
            long[] delays = {800, 90_000, 7_200_000};
            for (int i = 0; i < delays.length; i++) {
                bed.sendDeferred(SchedulerTestBed.message("b" + i, "b" + i + ".example", now + delays[i]));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.stats().routed() >= delays.length);
            scheduler.flush();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> outbound.poll() >= delays.length);
            assertThat(outbound.messages()).extracting(OutboundMessage::getId).containsExactlyInAnyOrder("b0", "b1", "b2");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> scheduler.stats().flushed() + scheduler.stats().released() == delays.length);
            assertThat(scheduler.stats().flushed()).isGreaterThanOrEqualTo(2);
        }
    }
}

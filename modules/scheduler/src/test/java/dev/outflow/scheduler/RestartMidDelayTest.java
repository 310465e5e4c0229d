package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.outflow.avro.OutboundMessage;

/**
 * A scheduler closed while records wait (one of them held behind records already released from
 * the same partition) and replaced by a new instance: every record reaches outbound exactly once,
 * none before its notBefore.
 */
class RestartMidDelayTest {

    @Test
    void aNewInstanceReleasesWhatWasWaitingOnceAndNeverEarly() throws Exception {
        try (SchedulerTestBed bed = new SchedulerTestBed("5s", "10s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler first = bed.scheduler().start();
            bed.awaitReady(first);

            long t0 = System.currentTimeMillis();
            Map<String, Long> notBefore = new HashMap<>();
            // One partition of the smallest bucket, in this offset order: "late" is due after the two behind it.
            notBefore.put("late", t0 + 4_500);
            notBefore.put("early-1", t0 + 300);
            notBefore.put("early-2", t0 + 600);
            for (String id : List.of("late", "early-1", "early-2")) {
                bed.sendToFirstBucket("same.example", SchedulerTestBed.message(id, "same.example", notBefore.get(id)));
            }
            // Deferred events: one cascades 10s → 5s, one waits in the 5s bucket.
            notBefore.put("long", t0 + 11_000);
            notBefore.put("mid", t0 + 3_000);
            bed.sendDeferred(SchedulerTestBed.message("long", "long.example", notBefore.get("long")));
            bed.sendDeferred(SchedulerTestBed.message("mid", "mid.example", notBefore.get("mid")));

            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> outbound.poll() >= 2);
            first.close();
            boolean lateWaitedAtClose = System.currentTimeMillis() < notBefore.get("late");
            long releasedByFirst = first.stats().released();
            if (lateWaitedAtClose) {
                // The early records sit above the committed offset: the commit metadata names them.
                TopicPartition tp = partitionOf(bed, "same.example");
                OffsetAndMetadata committed = bed.kafka.adminClient()
                        .listConsumerGroupOffsets(bed.topics.prefix() + "scheduler").partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS).get(tp);
                assertThat(committed.metadata()).startsWith("r1:");
            }

            RetryScheduler second = bed.scheduler().start();
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(5))
                    .until(() -> outbound.poll() >= notBefore.size());
            await().atMost(Duration.ofSeconds(30)).until(bed::schedulerCaughtUp);
            await().atMost(Duration.ofSeconds(5)).until(() -> second.stats().waiting() == 0);
            outbound.poll();

            List<OutboundMessage> messages = outbound.messages();
            assertThat(messages).extracting(OutboundMessage::getId)
                    .containsExactlyInAnyOrderElementsOf(notBefore.keySet());
            for (int i = 0; i < messages.size(); i++) {
                long due = notBefore.get(messages.get(i).getId());
                assertThat(outbound.records.get(i).timestamp()).as(messages.get(i).getId()).isGreaterThanOrEqualTo(due);
                assertThat(outbound.arrivedAt.get(i)).as(messages.get(i).getId()).isGreaterThanOrEqualTo(due);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> releasedByFirst + second.stats().released() == notBefore.size());
            assertThat(first.stats().lateness().early() + second.stats().lateness().early()).isZero();
            if (lateWaitedAtClose) {
                assertThat(second.stats().released()).isGreaterThanOrEqualTo(3);
            }
        }
    }

    private static TopicPartition partitionOf(SchedulerTestBed bed, String key) throws Exception {
        try (var reader = bed.kafka.reader(bed.topics.delayTopics().get(0))) {
            var records = reader.drain(Duration.ofSeconds(30));
            int p = records.stream().filter(r -> new String(r.key()).equals(key)).findFirst().orElseThrow().partition();
            return new TopicPartition(bed.topics.delayTopics().get(0), p);
        }
    }
}

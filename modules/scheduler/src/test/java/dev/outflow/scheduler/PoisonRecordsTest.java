package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.Serdes;

/**
 * Undecodable records, DEFERRED events without a message, and events of another outcome go to the
 * DLQ with the reason and their origin; the partitions keep moving (the good record behind them is
 * released) and warm-up records are not dead-lettered.
 */
class PoisonRecordsTest {

    @Test
    void poisonGoesToTheDlqAndThePartitionKeepsMoving() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "2s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound());
             SchedulerTestBed.Arrivals dlq = bed.arrivals(bed.topics.dlq())) {
            RetryScheduler scheduler = bed.scheduler().start();
            bed.awaitReady(scheduler);

            String deferred = bed.topics.deferred();
            String bucket = bed.topics.delayTopics().get(0);
            // Same key → same partition as the good records sent after them.
            bed.send(deferred, "k", "not avro at all".getBytes(StandardCharsets.UTF_8));
            DeliveryEvent noMessage = SchedulerTestBed.deferred(SchedulerTestBed.message("x", "x.example", 0));
            noMessage.setMessage(null);
            bed.send(deferred, "k", Serdes.deliveryEvent().serialize(deferred, noMessage));
            DeliveryEvent delivered = SchedulerTestBed.deferred(SchedulerTestBed.message("y", "y.example", 0));
            delivered.setOutcome(Outcome.DELIVERED);
            bed.send(deferred, "k", Serdes.deliveryEvent().serialize(deferred, delivered));
            bed.send(bucket, "k", new byte[] {(byte) 0xC3, 0x01, 1, 2, 3});
            bed.send(bucket, "k", null);

            long due = System.currentTimeMillis() + 200;
            bed.send(deferred, "k", Serdes.deliveryEvent().serialize(deferred,
                    SchedulerTestBed.deferred(SchedulerTestBed.message("good-1", "good.example", due))));
            bed.sendToFirstBucket("k", SchedulerTestBed.message("good-2", "good.example", due));

            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10))
                    .until(() -> dlq.poll() >= 5 && outbound.poll() >= 2);
            assertThat(outbound.messages()).extracting(OutboundMessage::getId).containsExactlyInAnyOrder("good-1", "good-2");

            Map<String, String> reasonBySource = dlq.records.stream().collect(Collectors.toMap(
                    r -> header(r, DlqRecords.SOURCE_TOPIC) + "@" + header(r, DlqRecords.SOURCE_OFFSET),
                    r -> header(r, DlqRecords.ERROR)));
            assertThat(reasonBySource).hasSize(5);
            List<String> reasons = List.copyOf(reasonBySource.values());
            assertThat(reasons).anySatisfy(r -> assertThat(r).containsIgnoringCase("single-object"));
            assertThat(reasons).anySatisfy(r -> assertThat(r).contains("carries no message"));
            assertThat(reasons).anySatisfy(r -> assertThat(r).contains("DELIVERED"));
            assertThat(reasons).anySatisfy(r -> assertThat(r).contains("without a value"));
            assertThat(reasonBySource.keySet()).filteredOn(k -> k.startsWith(deferred + "@")).hasSize(3);
            assertThat(reasonBySource.keySet()).filteredOn(k -> k.startsWith(bucket + "@")).hasSize(2);
            assertThat(dlq.records).filteredOn(r -> r.value() != null)
                    .anySatisfy(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not avro at all"));
            assertThat(dlq.records).allSatisfy(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("k"));

            await().atMost(Duration.ofSeconds(10)).until(bed::schedulerCaughtUp);
            assertThat(dlq.poll()).isEqualTo(5);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> scheduler.stats().deadLettered() == 5 && scheduler.stats().released() == 2);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}

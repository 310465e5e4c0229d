package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;

/**
 * Another producer takes the scheduler's transactional id while records wait (as a second process
 * started with the same {@code worker.id} would): the scheduler's transaction fails, it replaces
 * its producer, rewinds to the committed offsets and still releases every record exactly once,
 * never early.
 */
class FencedProducerTest {

    @Test
    void aFencedSchedulerRecoversWithoutLosingOrDuplicating() {
        try (SchedulerTestBed bed = new SchedulerTestBed("1s", "2s");
             SchedulerTestBed.Arrivals outbound = bed.arrivals(bed.topics.outbound())) {
            RetryScheduler scheduler = RetryScheduler.builder(bed.clientProps(), Config.defaults())
                    .topics(bed.topics).codecs(Serdes.singleObject()).instanceId("fenced").build();
            try (scheduler) {
                scheduler.start();
                bed.awaitReady(scheduler);

                Map<String, Long> notBefore = new HashMap<>();
                long now = System.currentTimeMillis();
                for (int i = 0; i < 20; i++) {
                    long due = now + 1_000 + i * 150;
                    notBefore.put("f-" + i, due);
                    bed.sendDeferred(SchedulerTestBed.message("f-" + i, "f" + i + ".example", due));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.stats().routed() > 0);

                Map<String, Object> p = new HashMap<>(bed.clientProps());
                p.put("transactional.id", bed.topics.prefix() + "scheduler-fenced");
                try (KafkaProducer<byte[], byte[]> intruder =
                             new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                    intruder.initTransactions();
                }

                await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(10))
                        .until(() -> outbound.poll() >= notBefore.size());
                await().atMost(Duration.ofSeconds(30)).until(bed::schedulerCaughtUp);
                outbound.poll();

                assertThat(outbound.messages()).extracting(OutboundMessage::getId)
                        .containsExactlyInAnyOrderElementsOf(notBefore.keySet());
                for (int i = 0; i < outbound.records.size(); i++) {
                    long due = notBefore.get(outbound.messages().get(i).getId());
                    assertThat(outbound.records.get(i).timestamp()).isGreaterThanOrEqualTo(due);
                }
                assertThat(scheduler.failure()).isEmpty();
                await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.stats().released() == notBefore.size());
            }
        }
    }
}

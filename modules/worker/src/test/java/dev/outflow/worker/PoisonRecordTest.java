package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.Serdes;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Garbage bytes and an invalid message between good ones on the same partition: both go to the DLQ
 * with the reason (the invalid one also gets a REJECTED event), the good ones are delivered, and
 * every offset is committed.
 */
class PoisonRecordTest {

    @Test
    void deadLettersPoisonAndKeepsThePartitionMoving() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.5").start(); WorkerHarness h = new WorkerHarness(1)) {
            h.mx.route("p.test", mx);
            DeliveryWorker worker = h.startWorker("poison");
            OutboundMessage first = h.submit(WorkerHarness.message("one@p.test"));
            h.send("p.test", "this is not avro".getBytes(StandardCharsets.UTF_8));
            OutboundMessage invalid = WorkerHarness.message("two@p.test", "not an address");
            h.submit(invalid);
            OutboundMessage foreign = WorkerHarness.message("three@p.test", "someone@elsewhere.test");
            h.submit(foreign);
            OutboundMessage last = h.submit(WorkerHarness.message("four@p.test"));

            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 2 && worker.deadLettered() == 3);

            assertThat(h.events(h.topics.delivered())).extracting(DeliveryEvent::getMessageId)
                    .containsExactlyInAnyOrder(first.getId(), last.getId());
            List<ConsumerRecord<byte[], byte[]>> dlq = WorkerHarness.KAFKA.drain(h.topics.dlq(), Duration.ofSeconds(30));
            assertThat(dlq).hasSize(3);
            assertThat(new String(dlq.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("this is not avro");
            assertThat(DlqRecords.reason(dlq.get(0).headers())).contains("not an Avro single-object");
            assertThat(header(dlq.get(0), DlqRecords.SOURCE_TOPIC)).isEqualTo(h.topics.outbound());
            assertThat(Serdes.outboundMessage().deserialize(h.topics.dlq(), dlq.get(1).value()).getId()).isEqualTo(invalid.getId());
            assertThat(DlqRecords.reason(dlq.get(1).headers())).contains("invalid recipient <not an address>");
            assertThat(DlqRecords.reason(dlq.get(2).headers())).contains("not in the message's domain");

            List<DeliveryEvent> rejected = h.events(h.topics.bounced());
            assertThat(rejected).extracting(DeliveryEvent::getMessageId).containsExactlyInAnyOrder(invalid.getId(), foreign.getId());
            assertThat(rejected).allSatisfy(e -> {
                assertThat(e.getOutcome()).isEqualTo(Outcome.REJECTED);
                assertThat(e.getReason()).isNotBlank();
                assertThat(e.getRecipients()).isNotEmpty();
            });
            assertThat(mx.received()).hasSize(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);
            assertThat(worker.rejected()).isEqualTo(2);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}

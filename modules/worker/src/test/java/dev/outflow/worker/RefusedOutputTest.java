package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.DlqRecords;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * An outcome record the broker refuses for good (a DEFERRED event embedding a message larger than
 * the deferred topic allows) must not stall the partition: the record goes to the DLQ with the
 * reason instead, and the next message is delivered.
 */
class RefusedOutputTest {

    @Test
    void aRefusedOutcomeFallsBackToTheDlq() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.14").rcpt("later@r.test", 451, "4.3.0 later").start();
             WorkerHarness h = new WorkerHarness(1)) {
            h.mx.route("r.test", mx);
            ConfigResource deferred = new ConfigResource(ConfigResource.Type.TOPIC, h.topics.deferred());
            WorkerHarness.KAFKA.adminClient().incrementalAlterConfigs(Map.of(deferred,
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "4096"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            DeliveryWorker worker = h.startWorker("refused");

            OutboundMessage big = WorkerHarness.message("later@r.test");
            byte[] noise = new byte[15_000];
            new java.util.Random(42).nextBytes(noise); // incompressible: the batch stays above the topic's limit
            big.setContents(ByteBuffer.wrap(("Subject: big\r\n\r\n" + java.util.Base64.getMimeEncoder().encodeToString(noise) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            h.submit(big);
            OutboundMessage next = h.submit(WorkerHarness.message("fine@r.test"));

            await().atMost(Duration.ofSeconds(60)).until(() -> worker.delivered() == 1 && worker.deadLettered() == 1);
            assertThat(h.events(h.topics.delivered())).extracting(DeliveryEvent::getMessageId).containsExactly(next.getId());
            assertThat(h.events(h.topics.deferred())).isEmpty();
            List<ConsumerRecord<byte[], byte[]>> dlq = WorkerHarness.KAFKA.drain(h.topics.dlq(), Duration.ofSeconds(30));
            assertThat(dlq).singleElement().satisfies(r -> assertThat(DlqRecords.reason(r.headers())).contains("refused"));
            assertThat(worker.deferred()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> h.lag() == 0);
        }
    }
}

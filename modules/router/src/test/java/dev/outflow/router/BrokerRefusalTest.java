package dev.outflow.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.core.hooks.PluginChain;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * Outbound parts larger than the outbound topic takes (its max.message.bytes is smaller than
 * outbound.max_message_bytes implies): rejected at once when the limit is known at start; when the
 * topic changes later, the submission is rejected all the same, instead of aborting every
 * transaction forever: either the refused send names its submission (the transaction is aborted
 * once and the submission rejected when read again, 554), or the producer keeps splitting the
 * refused batch until its transaction times out (a Kafka producer behaviour that never reports
 * the refusal) and the router's periodic re-read of the topic's limit rejects the part before it
 * is sent again (552). The submissions around it pass either way.
 */
class BrokerRefusalTest {

    @Test
    void aPartOverTheOutboundTopicLimitIsRejectedAtOnce() throws Exception {
        try (RouterFixture f = new RouterFixture()) {
            limitOutbound(f, 50_000);
            SubmissionRouter router = f.start("limit");
            sendBeforeBigAfter(f);

            await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == 3);
            DeliveryEvent e = assertOnlyTheBigOneRejected(f, router);
            assertThat(e.getReason()).isEqualTo("552 5.3.4 Message too large for the outbound topic (records up to 50000 bytes)");
        }
    }

    @Test
    void aPartTheBrokerRefusesAfterStartIsRejectedWhenReadAgain() throws Exception {
        try (RouterFixture f = new RouterFixture()) {
            // A short transaction timeout: a refused batch keeps the producer retrying until the broker aborts.
            SubmissionRouter router = f.start(f.builder("isolate", PluginChain.empty(), Clock.systemUTC(),
                    Map.of("transaction.timeout.ms", 3000)));
            limitOutbound(f, 50_000);
            sendBeforeBigAfter(f);

            await().atMost(Duration.ofSeconds(90)).until(() -> router.submissions() == 3);
            DeliveryEvent e = assertOnlyTheBigOneRejected(f, router);
            assertThat(e.getReason()).satisfiesAnyOf(
                    r -> assertThat(r).startsWith("554 5.3.4 The broker refused a record of this message").contains("RecordTooLarge"),
                    r -> assertThat(r).isEqualTo("552 5.3.4 Message too large for the outbound topic (records up to 50000 bytes)"));
        }
    }

    private static void limitOutbound(RouterFixture f, int bytes) throws Exception {
        ConfigResource outbound = new ConfigResource(ConfigResource.Type.TOPIC, f.topics.outbound());
        f.kafka.adminClient().incrementalAlterConfigs(Map.of(outbound, List.of(
                new AlterConfigOp(new ConfigEntry("max.message.bytes", Integer.toString(bytes)), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> f.kafka.adminClient().describeConfigs(List.of(outbound)).all()
                .get(30, TimeUnit.SECONDS).get(outbound).get("max.message.bytes").value().equals(Integer.toString(bytes)));
    }

    private static void sendBeforeBigAfter(RouterFixture f) {
        f.send("before", RouterFixture.avro("before-1", List.of("x@a.test")), true);
        f.send("big", RouterFixture.avro("big-1", "sender@src.test", List.of("y@b.test"), incompressible(200_000), Map.of()), true);
        f.send("after", RouterFixture.avro("after-1", List.of("z@c.test")), true);
    }

    private static DeliveryEvent assertOnlyTheBigOneRejected(RouterFixture f, SubmissionRouter router) {
        assertThat(router.accepted()).isEqualTo(2);
        assertThat(router.rejected()).isEqualTo(1);
        assertThat(f.outbound()).extracting(r -> r.value().getId()).containsExactlyInAnyOrder("before-1", "after-1");
        List<ConsumerRecord<String, DeliveryEvent>> events = f.bounced();
        assertThat(events).hasSize(1);
        DeliveryEvent e = events.getFirst().value();
        assertThat(e.getMessageId()).isEqualTo("big-1");
        assertThat(e.getOutcome()).isEqualTo(Outcome.REJECTED);
        assertThat(e.getRecipients()).extracting(s -> s.getAddress()).containsExactly("y@b.test");
        assertThat(f.dlq()).hasSize(1);
        return e;
    }

    /** Random printable characters: zstd cannot shrink them below the topic limit. */
    private static byte[] incompressible(int size) {
        Random random = new Random(42);
        StringBuilder b = new StringBuilder(size + 32).append("Subject: big\r\n\r\n");
        while (b.length() < size) {
            for (int i = 0; i < 76; i++) b.append((char) ('!' + random.nextInt(94)));
            b.append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }
}

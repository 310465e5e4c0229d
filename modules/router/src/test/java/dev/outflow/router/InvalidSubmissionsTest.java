package dev.outflow.router;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.DlqRecords;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Bad records — malformed JSON, Avro garbage, an unknown JSON field, an unrecognised format, a bad
 * address, no recipients, an oversize message — each give a DLQ copy with the reason and a REJECTED
 * event, and the valid submissions behind them on the same partition still pass.
 */
class InvalidSubmissionsTest {

    @Test
    void eachBadRecordIsDeadLetteredAndRejectedWhileValidOnesPass() {
        try (RouterFixture f = new RouterFixture(Map.of("outbound.max_message_bytes", "64k"))) {
            SubmissionRouter router = f.start("invalid");
            byte[] avroGarbage = new byte[40];
            Arrays.fill(avroGarbage, (byte) 0x7f);
            avroGarbage[0] = (byte) 0xC3;
            avroGarbage[1] = 0x01;
            byte[] big = new byte[100 * 1024];
            Arrays.fill(big, (byte) 'x');
            byte[] oversize = RouterFixture.avro("big-1", "sender@src.test", List.of("o@a.test"), big, Map.of());

            f.send("k-json", RouterFixture.json("{\"id\": \"bad-json\", \"mailFrom\": \"a@src.test\", \"recipients\": ["), true);
            f.send("valid-1", RouterFixture.avro("valid-1", List.of("v@a.test")), true);
            f.send("k-avro", avroGarbage, true);
            f.send("k-field", RouterFixture.json("""
                    {"id": "bad-field", "mailFrom": "a@src.test", "recipients": ["r1@a.test", "r2@b.test"], "subject": "hi", "contents": "x"}"""), true);
            f.send("k-text", "hello world".getBytes(UTF_8), true);
            f.send("k-addr", RouterFixture.avro("bad-addr", List.of("ok@a.test", "not an address")), true);
            f.send("k-empty", RouterFixture.avro("no-rcpt", List.of()), true);
            f.send("k-big", oversize, true);
            f.send("valid-2", RouterFixture.json("""
                    {"id": "valid-2", "mailFrom": "a@src.test", "recipients": ["v@b.test"], "contents": "Subject: ok\\n\\nok\\n"}"""), true);

            await().atMost(Duration.ofSeconds(60)).until(() -> router.submissions() == 9);
            assertThat(router.accepted()).isEqualTo(2);
            assertThat(router.rejected()).isEqualTo(7);

            List<ConsumerRecord<String, OutboundMessage>> outbound = f.outbound();
            assertThat(outbound).extracting(r -> r.value().getId()).containsExactly("valid-1", "valid-2");

            Map<String, String> dlqReasons = f.dlq().stream().collect(Collectors.toMap(
                    r -> new String(r.key(), UTF_8), r -> DlqRecords.reason(r.headers())));
            assertThat(dlqReasons).containsOnlyKeys("k-json", "k-avro", "k-field", "k-text", "k-addr", "k-empty", "k-big");
            assertThat(dlqReasons.get("k-json")).contains("malformed JSON");
            assertThat(dlqReasons.get("k-avro")).contains("undecodable Avro submission");
            assertThat(dlqReasons.get("k-field")).contains("unknown field \"subject\"");
            assertThat(dlqReasons.get("k-text")).contains("unrecognised format, first bytes 68 65 6C 6C");
            assertThat(dlqReasons.get("k-addr")).contains("550 5.1.3").contains("not an address");
            assertThat(dlqReasons.get("k-empty")).contains("554 5.5.1 No recipients");
            assertThat(dlqReasons.get("k-big")).contains("552 5.3.4");

            List<ConsumerRecord<String, DeliveryEvent>> events = f.bounced();
            assertThat(events).hasSize(7).allSatisfy(e -> {
                assertThat(e.value().getOutcome()).isEqualTo(Outcome.REJECTED);
                assertThat(e.key()).isEqualTo(e.value().getMessageId());
                assertThat(e.value().getReason()).isNotBlank();
                assertThat(e.headers().lastHeader("outflow.submission.key")).isNotNull();
            });
            Map<String, DeliveryEvent> byKey = events.stream().collect(Collectors.toMap(
                    e -> new String(e.headers().lastHeader("outflow.submission.key").value(), UTF_8), ConsumerRecord::value));
            // Ids are kept when they could be read; undecodable records get a fresh one.
            assertThat(byKey.get("k-field").getMessageId()).isEqualTo("bad-field");
            assertThat(byKey.get("k-addr").getMessageId()).isEqualTo("bad-addr");
            assertThat(byKey.get("k-big").getMessageId()).isEqualTo("big-1");
            assertThat(byKey.get("k-avro").getMessageId()).hasSize(36);
            assertThat(byKey.get("k-text").getMessageId()).hasSize(36);

            // Per-recipient entries where the recipients are known.
            assertThat(statuses(byKey.get("k-field"))).containsOnlyKeys("r1@a.test", "r2@b.test");
            Map<String, RecipientStatus> addr = statuses(byKey.get("k-addr"));
            assertThat(addr).containsOnlyKeys("ok@a.test", "not an address");
            assertThat(addr.get("not an address").getCode()).isEqualTo(550);
            assertThat(addr.get("not an address").getEnhancedCode()).isEqualTo("5.1.3");
            assertThat(byKey.get("k-big").getReason()).startsWith("552 5.3.4 Message size exceeds fixed limit of 65536 bytes");
            assertThat(byKey.get("k-empty").getRecipients()).isEmpty();
            assertThat(byKey.get("k-avro").getRecipients()).isEmpty();
        }
    }

    private static Map<String, RecipientStatus> statuses(DeliveryEvent e) {
        return e.getRecipients().stream().collect(Collectors.toMap(RecipientStatus::getAddress, Function.identity()));
    }
}

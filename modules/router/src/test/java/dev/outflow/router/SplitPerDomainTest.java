package dev.outflow.router;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.core.intake.DomainShards;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * An Avro and a JSON submission, each to three domains (one of them sharded), become three
 * outbound records each: keyed by routing key, one shared id, source channel kafka.
 */
class SplitPerDomainTest {

    @Test
    void avroAndJsonSubmissionsAreSplitPerDomainWithOneIdEach() {
        try (RouterFixture f = new RouterFixture(Map.of("outbound.domain_shards", "c.test:4"))) {
            SubmissionRouter router = f.start("split");
            f.send("k1", RouterFixture.avro("avro-1", "sender@src.test",
                    List.of("a1@a.test", "b1@b.test", "a2@A.TEST", "c1@c.test"), RouterFixture.MESSAGE, Map.of("tenant", "t1")));
            f.send("k2", RouterFixture.json("""
                    \uFEFF  {"id": "json-1", "mailFrom": "sender@src.test",
                      "recipients": ["x@d.test", "y@e.test", "z@c.test"],
                      "contents": "From: sender@src.test\\nSubject: hi\\n\\nbody\\n", "notes": {"tenant": "t2"}}
                    """));
            f.send(null, RouterFixture.json("""
                    {"mailFrom": "", "recipients": ["p@f.test", "q@g.test", "r@Bücher.test"],
                     "contentsBase64": "U3ViamVjdDogYmFzZTY0DQoNCmJvZHkNCg=="}"""));

            await().atMost(Duration.ofSeconds(60)).until(() -> router.accepted() == 3);
            List<ConsumerRecord<String, OutboundMessage>> records = f.outbound();
            DomainShards shards = DomainShards.from(f.config);

            List<ConsumerRecord<String, OutboundMessage>> avro = byId(records, "avro-1");
            assertThat(keys(avro)).isEqualTo(Set.of("a.test", "b.test", shards.routingKey("c.test", "c1@c.test")));
            assertThat(keys(avro)).anyMatch(k -> k.startsWith("c.test#"));
            OutboundMessage a = part(avro, "a.test");
            assertThat(a.getRecipients()).containsExactly("a1@a.test", "a2@a.test");
            assertThat(a.getDomain()).isEqualTo("a.test");
            assertThat(a.getMailFrom()).isEqualTo("sender@src.test");
            assertThat(a.getNotes()).containsEntry("tenant", "t1");
            assertThat(part(avro, shards.routingKey("c.test", "c1@c.test")).getDomain()).isEqualTo("c.test");

            List<ConsumerRecord<String, OutboundMessage>> json = byId(records, "json-1");
            assertThat(keys(json)).isEqualTo(Set.of("d.test", "e.test", shards.routingKey("c.test", "z@c.test")));
            OutboundMessage d = part(json, "d.test");
            assertThat(text(d)).startsWith("From: sender@src.test\r\nSubject: hi\r\n")
                    .contains("Message-ID: <json-1@router.test>\r\n").contains("Date: ").endsWith("\r\n\r\nbody\r\n");
            assertThat(d.getNotes()).containsEntry("tenant", "t2");

            // No id: one fresh id shared by its three parts; null sender kept.
            List<ConsumerRecord<String, OutboundMessage>> anonymous = records.stream()
                    .filter(r -> !r.value().getId().equals("avro-1") && !r.value().getId().equals("json-1")).toList();
            assertThat(anonymous).hasSize(3);
            assertThat(anonymous.stream().map(r -> r.value().getId()).distinct()).hasSize(1);
            // Internationalized domains route by their lower-case A-label.
            assertThat(keys(anonymous)).isEqualTo(Set.of("f.test", "g.test", "xn--bcher-kva.test"));
            assertThat(part(anonymous, "xn--bcher-kva.test").getDomain()).isEqualTo("xn--bcher-kva.test");
            assertThat(anonymous).allSatisfy(r -> {
                assertThat(r.value().getMailFrom()).isEmpty();
                assertThat(text(r.value())).startsWith("Subject: base64\r\n");
            });

            assertThat(records).hasSize(9).allSatisfy(r -> {
                assertThat(r.value().getSource().getChannel()).isEqualTo("kafka");
                assertThat(r.value().getAttempt()).isZero();
                assertThat(r.value().getQueuedAt()).isPositive();
            });
            assertThat(router.parts()).isEqualTo(9);
            assertThat(router.rejected()).isZero();
            assertThat(f.dlq()).isEmpty();
        }
    }

    private static List<ConsumerRecord<String, OutboundMessage>> byId(List<ConsumerRecord<String, OutboundMessage>> records, String id) {
        return records.stream().filter(r -> r.value().getId().equals(id)).toList();
    }

    private static Set<String> keys(List<ConsumerRecord<String, OutboundMessage>> records) {
        return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
    }

    private static OutboundMessage part(List<ConsumerRecord<String, OutboundMessage>> records, String key) {
        return records.stream().filter(r -> r.key().equals(key)).findFirst().orElseThrow().value();
    }

    private static String text(OutboundMessage m) {
        return UTF_8.decode(m.getContents().duplicate()).toString();
    }
}

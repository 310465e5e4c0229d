package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.Serdes;
import dev.outflow.webhooks.WebhookReplay;
import java.net.InetSocketAddress;
import dev.outflow.codec.topics.Warmup;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outflow dlq list|replay} against a real broker: filters, replay to the source topic with the DLQ headers kept. */
class DlqCommandTest {
    private static final KafkaTestCluster kafka = KafkaTestCluster.get();
    private static final Instant OLD = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant RECENT = Instant.now().minus(Duration.ofMinutes(5));

    @TempDir
    Path dir;
    private String prefix;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private CliRun dlq(String... args) {
        List<String> all = new ArrayList<>(List.of("dlq"));
        all.addAll(List.of(args));
        all.addAll(List.of("--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--set", "topic.outbound_partitions=2", "--set", "topic.partitions=2", "--set", "data.dir=" + dir));
        return run(all.toArray(String[]::new));
    }

    @BeforeEach
    void deadLetters() throws Exception {
        prefix = kafka.uniqueName("dlq") + ".";
        CliRun topics = run("topics", "create", "--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--set", "topic.outbound_partitions=2", "--set", "topic.partitions=2", "--set", "data.dir=" + dir);
        assertThat(topics.exit()).as(topics.err()).isZero();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
            send(p, OLD, prefix + "outbound", 0, 7, "old.example", "old-value", "undecodable: old");
            send(p, RECENT, prefix + "outbound", 1, 42, "new.example", "new-value", "undecodable: new");
            send(p, RECENT, prefix + "submissions", 0, 3, "order-9", "{\"bad\":true}", "no recipients");
            send(p, RECENT, prefix + "delivered", 0, 1, "m-1", "event", "cannot happen, but the header says so");
            p.flush();
        }
    }

    private void send(KafkaProducer<byte[], byte[]> p, Instant at, String source, int partition, long offset, String key, String value, String reason)
            throws Exception {
        RecordHeaders original = new RecordHeaders();
        original.add("trace", bytes("t-" + key));
        ProducerRecord<byte[], byte[]> r = DlqRecords.of(prefix + "dlq", source, partition, offset, bytes(key), bytes(value), original, reason);
        p.send(new ProducerRecord<>(r.topic(), 0, at.toEpochMilli(), r.key(), r.value(), r.headers())).get();
    }

    @Test
    void listShowsEachDeadLetterWithItsSourceAndReasonAndFilters() {
        CliRun all = dlq("list");
        assertThat(all.exit()).as(all.err()).isZero();
        assertThat(all.out()).contains("from " + prefix + "outbound[1]@42  key new.example  undecodable: new")
                .contains("from " + prefix + "submissions[0]@3  key order-9  no recipients")
                .contains(OLD.toString()).endsWith("4 dead letters\n");

        assertThat(dlq("list", "--topic", prefix + "outbound").out()).contains("old.example", "new.example")
                .doesNotContain("order-9").endsWith("2 dead letters\n");
        assertThat(dlq("list", "--since", "2026-06-01T00:00:00Z").out()).doesNotContain("old.example").endsWith("3 dead letters\n");
        assertThat(dlq("list", "--since", "1h", "--topic", prefix + "outbound").out()).contains("new.example")
                .doesNotContain("old.example").endsWith("1 dead letter\n");
    }

    @Test
    void replayWritesTheChosenRecordsBackToTheirSourceTopicWithTheDlqHeaders() {
        CliRun replay = dlq("replay", "--topic", prefix + "outbound", "--since", "1h");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("replayed 1 to " + prefix + "outbound").endsWith("1 replayed\n");

        List<ConsumerRecord<byte[], byte[]>> outbound = kafka.drain(prefix + "outbound", Duration.ofSeconds(10)).stream()
                .filter(r -> !Warmup.isWarmup(r)).toList();
        assertThat(outbound).hasSize(1);
        ConsumerRecord<byte[], byte[]> r = outbound.getFirst();
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("new.example");
        assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("new-value");
        assertThat(DlqRecords.reason(r.headers())).isEqualTo("undecodable: new");
        assertThat(new String(r.headers().lastHeader(DlqRecords.SOURCE_OFFSET).value(), StandardCharsets.UTF_8)).isEqualTo("42");
        assertThat(new String(r.headers().lastHeader("trace").value(), StandardCharsets.UTF_8)).isEqualTo("t-new.example");
    }

    @Test
    void replayOfEverythingSkipsRecordsFromTopicsNoStageConsumesAndSaysSo() {
        CliRun replay = dlq("replay");
        assertThat(replay.exit()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(replay.err()).contains("skipped 0/").contains(": it failed on " + prefix + "delivered, which no stage consumes");
        assertThat(replay.out()).contains("replayed 2 to " + prefix + "outbound", "replayed 1 to " + prefix + "submissions")
                .endsWith("3 replayed, 1 skipped\n");
        assertThat(kafka.drain(prefix + "submissions", Duration.ofSeconds(10)).stream().filter(r -> !Warmup.isWarmup(r)))
                .extracting(rec -> new String(rec.key(), StandardCharsets.UTF_8)).containsExactly("order-9");
    }

    @Test
    void aSubmissionThatFailedOnARouterRetryTopicIsReplayedOntoSubmissions() throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
            send(p, RECENT, prefix + "router.retry.5m", 0, 5, "order-10", "{\"retry\":true}", "plugin failed 3 times");
        }
        CliRun replay = dlq("replay", "--topic", prefix + "router.retry.5m");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("replayed 1 to " + prefix + "submissions");
        assertThat(kafka.drain(prefix + "submissions", Duration.ofSeconds(10)).stream().filter(r -> !Warmup.isWarmup(r)))
                .extracting(rec -> new String(rec.key(), StandardCharsets.UTF_8)).containsExactly("order-10");
    }

    @Test
    void badFiltersAreUsageErrors() {
        CliRun since = dlq("list", "--since", "yesterday");
        assertThat(since.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(since.err()).contains("--since: 'yesterday' is neither an instant");
        CliRun topic = dlq("replay", "--topic", prefix + "delivered");
        assertThat(topic.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(topic.err()).contains("is not a topic a stage consumes");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theWebhooksDlqIsListedCountedAndReplayedToItsEndpointNotOntoATopic() throws Exception {
        List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        endpoint.createContext("/", x -> {
            bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        endpoint.start();
        try {
            String url = "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hook";
            String gone = "http://127.0.0.1:9/gone";
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
                webhookDeadLetter(p, url, "m-1");
                webhookDeadLetter(p, url, "m-2");
                webhookDeadLetter(p, gone, "m-3");
            }

            CliRun list = dlq("list", "--webhooks");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("from " + prefix + "delivered[0]@", "key m-1  to " + url + "  webhook " + url + " did not take",
                    "key m-3  to " + gone).doesNotContain("order-9").endsWith("3 dead letters\n");
            assertThat(dlq("list", "--webhooks", "--endpoint", url).out()).doesNotContain("m-3").endsWith("2 dead letters\n");
            CliRun noWebhooks = dlq("list", "--endpoint", url);
            assertThat(noWebhooks.exit()).isEqualTo(Main.EXIT_USAGE);
            assertThat(noWebhooks.err()).contains("--endpoint needs --webhooks");
            CliRun status = run("status", "--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                    "--set", "data.dir=" + dir);
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out()).containsPattern("\\Q" + prefix + "webhooks.dlq\\E\\s+3 records").containsPattern("\\Q" + prefix + "dlq\\E\\s+4 records");

            CliRun replay = dlq("replay", "--webhooks", "--set", "webhooks.urls=" + url, "--set", "webhooks.secret=s3cret");
            assertThat(replay.exit()).isEqualTo(Main.EXIT_RUNTIME);
            assertThat(replay.out()).contains("replayed 2 to " + url).endsWith("2 replayed, 1 not\n");
            assertThat(replay.err()).contains(gone + "; 1 left, stopped: not in webhooks.urls");
            assertThat(bodies).singleElement().satisfies(b -> assertThat(b).contains("\"messageId\":\"m-1\"", "\"messageId\":\"m-2\"")
                    .doesNotContain("m-3"));
            assertThat(kafka.drain(prefix + "delivered", Duration.ofSeconds(5)).stream().filter(r -> !Warmup.isWarmup(r)))
                    .as("a replayed event is not written to an event topic again: reporting would count it twice").isEmpty();
        } finally {
            endpoint.stop(0);
        }
    }

    private void webhookDeadLetter(KafkaProducer<byte[], byte[]> p, String endpoint, String id) throws Exception {
        DeliveryEvent e = DeliveryEvent.newBuilder().setMessageId(id).setOutcome(Outcome.DELIVERED)
                .setRecipients(List.of(RecipientStatus.newBuilder().setAddress("rcpt@dest.test").setCode(250).setEnhancedCode("2.0.0")
                        .setResponse("ok").build()))
                .setDomain("dest.test").setMailFrom("sender@src.test").setHost("mx.dest.test").setIp("127.0.0.1").setPort(25)
                .setTls(true).setDelayMs(12).setAttempt(0).setAt(RECENT.toEpochMilli()).setReason("delivered").build();
        byte[] value = Serdes.forConfig(null).deliveryEvent().serialize(prefix + "delivered", e);
        ProducerRecord<byte[], byte[]> r = DlqRecords.of(prefix + "webhooks.dlq", prefix + "delivered", 0, 11, bytes(id), value, null,
                "webhook " + endpoint + " did not take the batch within webhooks.max_age=PT24H");
        r.headers().add(WebhookReplay.ENDPOINT_HEADER, bytes(endpoint));
        p.send(new ProducerRecord<>(r.topic(), 0, RECENT.toEpochMilli(), r.key(), r.value(), r.headers())).get();
    }
}

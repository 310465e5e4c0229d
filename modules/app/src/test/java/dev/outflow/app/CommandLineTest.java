package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Topics;
import dev.outflow.codec.topics.Warmup;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.router.SubmissionRouter;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real broker: topics, send, status; and config errors with exit code 2. */
class CommandLineTest {
    private static final KafkaTestCluster kafka = KafkaTestCluster.get();

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private String[] withKafka(String prefix, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--set", "topic.outbound_partitions=3", "--set", "topic.partitions=1", "--set", "me=test.example",
                "--set", "data.dir=" + dir, "--set", "plugins.dir=" + dir.resolve("plugins")));
        return all.toArray(String[]::new);
    }

    /** A router for {@code prefix} (outflow send waits for its outcome), as {@code outflow up} would run one. */
    private SubmissionRouter router(String prefix) {
        Config c = Config.of(Map.of("topic.prefix", prefix, "me", "test.example", "router.commit_interval", "50ms",
                "router.state_dir", dir.resolve("router-state").toString()));
        return SubmissionRouter.builder().kafka(Map.of("bootstrap.servers", kafka.bootstrapServers())).config(c)
                .topics(new Topics(prefix, c.get(OutflowKeys.SCHEDULER_BUCKETS))).routerId("cli-test").build().start();
    }

    @Test
    void sendQueuesOneRecordPerDomainThroughTheRouterAndPrintsTheId() {
        String prefix = kafka.uniqueName("cli") + ".";
        CliRun topics = run(withKafka(prefix, "topics", "create"));
        assertThat(topics.exit()).as(topics.err()).isZero();
        assertThat(topics.out()).contains(prefix + "outbound").contains("created");
        assertThat(run(withKafka(prefix, "topics", "create")).out()).as("idempotent").doesNotContain("created").contains("exists");

        CliRun send;
        try (SubmissionRouter r = router(prefix)) {
            send = run(withKafka(prefix, "send", "--from", "alice@example.com", "--to", "bob@Example.ORG,carol@example.org",
                    "--to", "dave@bücher.example", "--subject", "Grüße", "--body", "hello\nworld"));
        }
        assertThat(send.exit()).as(send.err()).isZero();
        String[] lines = send.out().strip().split("\n");
        String id = lines[lines.length - 1];
        assertThat(id).matches("[0-9a-f-]{36}");

        List<ConsumerRecord<String, OutboundMessage>> records = kafka.drain(prefix + "outbound", new StringDeserializer(),
                Serdes.outboundMessage(), Duration.ofSeconds(10)).stream().filter(r -> !Warmup.isWarmup(r)).toList();
        Map<String, OutboundMessage> byKey = records.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertThat(byKey).containsOnlyKeys("example.org", "xn--bcher-kva.example");
        assertThat(byKey.get("example.org").getRecipients()).containsExactlyInAnyOrder("bob@example.org", "carol@example.org");
        assertThat(byKey.values()).allSatisfy(m -> {
            assertThat(m.getId()).isEqualTo(id);
            assertThat(m.getMailFrom()).isEqualTo("alice@example.com");
            assertThat(m.getSource().getChannel()).isEqualTo("cli");
            String text = StandardCharsets.UTF_8.decode(m.getContents()).toString();
            assertThat(text).contains("Message-ID: <").contains("Date: ").contains("MIME-Version: 1.0").contains("\r\n\r\n");
        });

        CliRun status = run(withKafka(prefix, "status"));
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern(java.util.regex.Pattern.quote(prefix + "outbound") + "\\s+2 waiting");
    }

    @Test
    void sendWithFileSendsItAsIs() throws Exception {
        String prefix = kafka.uniqueName("clifile") + ".";
        assertThat(run(withKafka(prefix, "topics", "create")).exit()).isZero();
        Path eml = dir.resolve("msg.eml");
        Files.writeString(eml, "From: a@example.com\r\nTo: b@example.net\r\nSubject: file\r\n\r\nbody\r\n");
        CliRun send;
        try (SubmissionRouter r = router(prefix)) {
            send = run(withKafka(prefix, "send", "--from", "a@example.com", "--to", "b@example.net", "--file", eml.toString()));
        }
        assertThat(send.exit()).as(send.err()).isZero();
        var recs = kafka.drain(prefix + "outbound", new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(10))
                .stream().filter(r -> !Warmup.isWarmup(r)).toList();
        assertThat(recs).hasSize(1);
        assertThat(StandardCharsets.UTF_8.decode(recs.get(0).value().getContents()).toString()).contains("Subject: file").contains("Message-ID:");
    }

    @Test
    void badAddressIsAClearErrorNotAStackTrace() {
        String prefix = kafka.uniqueName("clibad") + ".";
        assertThat(run(withKafka(prefix, "topics", "create")).exit()).isZero();
        CliRun send;
        try (SubmissionRouter r = router(prefix)) {
            send = run(withKafka(prefix, "send", "--from", "alice@example.com", "--to", "not-an-address", "--body", "x"));
        }
        assertThat(send.exit()).isEqualTo(1);
        assertThat(send.err()).startsWith("outflow: rejected: 550 5.1.3 ").contains("not-an-address").doesNotContain("\tat ");
        assertThat(send.out()).as("no id for a rejected message").isBlank();
    }

    @Test
    void badConfigExitsWithTwoNamingTheKey() {
        CliRun r = run("config", "--set", "outbound.concurrency_max=lots");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("outbound.concurrency_max").contains("'lots' is not an integer");

        CliRun unknown = run("status", "--set", "outbound.concurency_max=5");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("outbound.concurency_max: unknown key");

        assertThat(run("send", "--from", "a@b.c").exit()).as("missing --to is a usage error").isEqualTo(2);
    }

    @Test
    void configPrintsEveryKeyWithItsOrigin() {
        CliRun r = run("config", "--set", "outbound.concurrency_max=7");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("outbound.concurrency_max = 7").contains("from --set")
                .contains("outbound.enable_tls = true").contains("hot-reloaded").contains("OUTFLOW_DNS_SERVERS");
    }

    @Test
    void shippedExampleConfigIsWhatConfigExamplePrintsAndParses() throws Exception {
        CliRun r = run("config", "--example");
        assertThat(r.exit()).isZero();
        Path shipped = Path.of("../../config/outflow.properties.example");
        assertThat(Files.readString(shipped)).as("config/outflow.properties.example is stale: regenerate it with"
                + " bin/outflow config --example > config/outflow.properties.example").isEqualTo(r.out());
        // Uncommenting every default gives a valid configuration.
        Path all = dir.resolve("all.properties");
        Files.writeString(all, r.out().lines().filter(l -> l.matches("#[a-z][a-z0-9_.]*=.*") && !l.startsWith("#kafka.client."))
                .map(l -> l.substring(1)).collect(Collectors.joining("\n")));
        CliRun check = run("config", "--check", "--config", all.toString());
        assertThat(check.exit()).as(check.err()).isZero();
    }

    @Test
    void configRedactsSecretsAndVersionNamesTheCommit() {
        CliRun r = run("config", "--set", "kafka.client.sasl.jaas.config=ScramLoginModule required username=\"u\" password=\"hunter2\";",
                "--set", "schema.registry.url=https://bob:hunter2@registry.example:8081");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).doesNotContain("hunter2").contains("kafka.client.sasl.jaas.config = [redacted]")
                .contains("https://[redacted]@registry.example:8081");

        CliRun v = run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).containsPattern("outflow \\S+, commit [0-9a-f]{7,}");
    }

    @Test
    void commandsWithoutKafkaSayWhereTheyLooked() {
        CliRun r = run("status", "--set", "data.dir=" + dir);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("kafka.bootstrap.servers is unset").contains(dir.toString());
    }
}

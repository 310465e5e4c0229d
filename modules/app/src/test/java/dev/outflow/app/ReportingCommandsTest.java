package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reporting commands against a real broker: events, suppressions, and track/stats against a running reporting. */
class ReportingCommandsTest {
    private static final KafkaTestCluster kafka = KafkaTestCluster.get();

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private List<String> settings(String prefix, int httpPort) {
        return List.of("kafka.bootstrap.servers=" + kafka.bootstrapServers(), "topic.prefix=" + prefix, "topic.partitions=2",
                "topic.outbound_partitions=2", "data.dir=" + dir, "plugins.dir=" + dir.resolve("plugins"),
                "http.listen=127.0.0.1:" + httpPort);
    }

    private String[] cli(List<String> settings, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        for (String s : settings) {
            all.add("--set");
            all.add(s);
        }
        return all.toArray(String[]::new);
    }

    @Test
    void eventsSuppressionsTrackAndStatsWorkFromTheCommandLine() throws Exception {
        String prefix = kafka.uniqueName("rep") + ".";
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> set = settings(prefix, port);
        assertThat(run(cli(set, "topics", "create")).exit()).isZero();

        DeliveryEvent e = new DeliveryEvent();
        e.setMessageId("cli-msg-1");
        e.setOutcome(Outcome.DELIVERED);
        e.setRecipients(List.of(new RecipientStatus("ann@example.org", 250, "2.0.0", "250 2.0.0 queued as 42")));
        e.setDomain("example.org");
        e.setMailFrom("shop@example.com");
        e.setHost("mx.example.org");
        e.setIp("127.0.0.1");
        e.setAt(System.currentTimeMillis());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProps())) {
            p.send(new ProducerRecord<>(prefix + "delivered", "cli-msg-1".getBytes(), Serdes.deliveryEvent().serialize("t", e)))
                    .get(30, TimeUnit.SECONDS);
        }

        CliRun events = run(cli(set, "events", "--from-beginning"));
        assertThat(events.exit()).as(events.err()).isZero();
        assertThat(events.out().strip().lines().toList()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("{\"messageId\":\"cli-msg-1\",\"outcome\":\"DELIVERED\"").contains("\"address\":\"ann@example.org\""));
        assertThat(run(cli(set, "events", "--topic", "outbound")).exit()).isEqualTo(2);

        assertThat(run(cli(set, "suppressions", "add", "Bob@Example.org", "--reason", "complaint", "--ttl", "2d")).out())
                .startsWith("bob@example.org suppressed until");
        assertThat(run(cli(set, "suppressions", "list")).out()).contains("bob@example.org  manual").contains("complaint");
        assertThat(run(cli(set, "suppressions", "remove", "bob@example.org")).exit()).isZero();
        CliRun again = run(cli(set, "suppressions", "remove", "bob@example.org"));
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err().strip()).isEqualTo("outflow: bob@example.org is not suppressed");
        assertThat(run(cli(set, "suppressions", "add", "nobody")).exit()).isEqualTo(2);

        CliRun noApi = run(cli(set, "track", "cli-msg-1"));
        assertThat(noApi.exit()).isEqualTo(1);
        assertThat(noApi.err()).startsWith("outflow: no reporting API at http://127.0.0.1:" + port);

        Config config = Config.of(toMap(set));
        try (Components c = new Components(Context.of(config))) {
            c.reporting();
            CliRun track = await().atMost(Duration.ofSeconds(90)).until(() -> run(cli(set, "track", "cli-msg-1")), r -> r.exit() == 0);
            assertThat(track.out()).contains("message cli-msg-1 from <shop@example.com>").contains("ann@example.org  delivered  250 2.0.0")
                    .contains("via mx.example.org [127.0.0.1]");
            assertThat(run(cli(set, "track", "ann@example.org")).out()).contains("message cli-msg-1");
            CliRun unknown = run(cli(set, "track", "no-such-id"));
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err().strip().lines()).singleElement().asString().startsWith("outflow: no message no-such-id");
            CliRun stats = run(cli(set, "stats", "--window", "1h"));
            assertThat(stats.exit()).as(stats.err()).isZero();
            assertThat(stats.out()).contains("example.org");
            assertThat(run(cli(set, "stats", "--domain", "unseen.example")).exit()).isEqualTo(1);

            CliRun finished = run(cli(set, "cancel", "cli-msg-1"));
            assertThat(finished.exit()).isEqualTo(1);
            assertThat(finished.err().strip()).isEqualTo("outflow: message cli-msg-1 is already finished (delivered)");
            CliRun unknownCancel = run(cli(set, "cancel", "no-such-id"));
            assertThat(unknownCancel.exit()).isEqualTo(1);
            assertThat(unknownCancel.err().strip()).startsWith("outflow: no message no-such-id");
        }
        CliRun byDomain = run(cli(set, "cancel", "--domain", "Example.ORG", "--older-than", "2h"));
        assertThat(byDomain.exit()).as(byDomain.err()).isZero();
        assertThat(byDomain.out()).startsWith("cancelled mail to example.org queued before ");
        assertThat(kafka.drain(prefix + "cancellations", new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), Duration.ofSeconds(30)))
                .extracting(org.apache.kafka.clients.consumer.ConsumerRecord::key).containsExactly("domain:example.org");
        assertThat(run(cli(set, "cancel")).exit()).isEqualTo(2);
        assertThat(run(cli(set, "cancel", "x", "--domain", "a.test")).exit()).isEqualTo(2);
        assertThat(run(cli(set, "cancel", "--domain", "not a domain")).exit()).isEqualTo(2);
        assertThat(run(cli(set, "cancel", "--domain", "a.test", "--older-than", "soon")).exit()).isEqualTo(2);

        List<String> wildcard = new ArrayList<>(set);
        wildcard.replaceAll(k -> k.startsWith("http.listen=") ? "http.listen=0.0.0.0:0" : k);
        CliRun open = run(cli(wildcard, "report"));
        assertThat(open.exit()).isEqualTo(2);
        assertThat(open.err()).contains("http.token: must be set when http.listen");
    }

    private static Map<String, String> toMap(List<String> set) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String s : set) m.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        return m;
    }
}

package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigLoader;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outflow webhooks} and the webhooks stage of {@code outflow up}: configuration errors and what /metrics shows. */
class WebhooksCommandTest {
    private static final KafkaTestCluster kafka = KafkaTestCluster.get();

    @TempDir
    Path dir;

    @Test
    void aMalformedUrlOrAMissingSecretIsExitTwoNamingTheKey() {
        for (String command : List.of("webhooks", "up")) {
            CliRun bad = CliRun.of(command, "--set", "webhooks.urls=https://hooks.example.com/a,htp:/broken", "--set", "webhooks.secret=s");
            assertThat(bad.exit()).as(command).isEqualTo(2);
            assertThat(bad.err()).contains("webhooks.urls").contains("htp:/broken").contains("is not an http:// or https:// URL").doesNotContain("\tat ");
            CliRun spaces = CliRun.of(command, "--set", "webhooks.urls=not a url", "--set", "webhooks.secret=s");
            assertThat(spaces.exit()).isEqualTo(2);
            assertThat(spaces.err()).contains("webhooks.urls").contains("not a url");
        }
        CliRun noSecret = CliRun.of("webhooks", "--set", "webhooks.urls=http://127.0.0.1:9/hook");
        assertThat(noSecret.exit()).isEqualTo(2);
        assertThat(noSecret.err()).contains("webhooks.secret").contains("must be set");
        CliRun noUrl = CliRun.of("webhooks", "--set", "webhooks.secret=s");
        assertThat(noUrl.exit()).isEqualTo(2);
        assertThat(noUrl.err()).contains("webhooks.urls");
        CliRun outcome = CliRun.of("config", "--set", "webhooks.outcomes=DELIVERED,sent");
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).contains("webhooks.outcomes").contains("'sent' is not an outcome");
    }

    @Test
    void theSecretIsRedacted() {
        CliRun shown = CliRun.of("config", "--set", "webhooks.secret=very-secret-value", "--set", "webhooks.urls=https://u:pw@hooks.example.com/x");
        assertThat(shown.exit()).isZero();
        assertThat(shown.out()).contains("webhooks.secret").doesNotContain("very-secret-value").doesNotContain("u:pw@");
    }

    @Test
    void upPostsEventsAndCountsEachEndpointOnMetrics() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", x -> {
            bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        receiver.start();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String good = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        String down = "http://127.0.0.1:" + closedPort + "/down";
        String prefix = kafka.uniqueName("hooksapp") + ".";
        Map<String, String> set = new HashMap<>();
        set.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        set.put("topic.prefix", prefix);
        set.put("topic.outbound_partitions", "1");
        set.put("topic.partitions", "1");
        set.put("me", "hooks.test");
        set.put("data.dir", dir.toString());
        set.put("plugins.dir", dir.resolve("plugins").toString());
        set.put("smtpd.users", dir.resolve("users").toString());
        set.put("http.listen", "127.0.0.1:0");
        set.put("smtpd.listen", "127.0.0.1:0");
        set.put("reporting.enabled", "false");
        set.put("webhooks.urls", good + "," + down);
        set.put("webhooks.secret", "s");
        set.put("webhooks.backoff_max", "200ms");
        Config config = new ConfigLoader(dir.resolve("absent.properties"), false, Map.of(), set).load();
        Context ctx = Context.of(config, kafka.bootstrapServers());
        assertThat(ctx.ensureTopics()).contains(prefix + "webhooks.dlq");
        try (Components components = new Components(ctx).all();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThat(components.describe()).anyMatch(l -> l.startsWith("webhooks   2 endpoint(s)"));
            DeliveryEvent e = DeliveryEvent.newBuilder().setMessageId("hook-1").setOutcome(Outcome.DELIVERED)
                    .setRecipients(List.of(RecipientStatus.newBuilder().setAddress("a@b.test").setCode(250).setResponse("ok").build()))
                    .setAt(System.currentTimeMillis()).build();
            producer.send(new ProducerRecord<>(ctx.topics().delivered(), "hook-1".getBytes(), ctx.codecs().deliveryEvent().serialize(ctx.topics().delivered(), e))).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> bodies.stream().anyMatch(b -> b.contains("\"hook-1\"")));

            String http = components.describe().stream().filter(l -> l.startsWith("http ")).findFirst().orElseThrow()
                    .replaceAll(".*(http://[^/]+)/.*", "$1");
            HttpClient client = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                String metrics = client.send(HttpRequest.newBuilder(URI.create(http + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
                assertThat(metrics).containsPattern("outflow_webhooks_events_total\\{endpoint=\"" + java.util.regex.Pattern.quote(good) + "\",stage=\"webhooks\"} 1\\.0")
                        .containsPattern("outflow_webhooks_batches_total\\{endpoint=\"" + java.util.regex.Pattern.quote(good) + "\",stage=\"webhooks\"} 1\\.0")
                        .containsPattern("outflow_webhooks_failures_total\\{endpoint=\"" + java.util.regex.Pattern.quote(down) + "\",reason=\"unreachable\",stage=\"webhooks\"} [1-9]")
                        .contains("outflow_webhooks_dead_lettered_total{endpoint=\"" + down + "\"")
                        .contains("outflow_consumer_lag_records{group=\"" + prefix + "webhooks.");
            });
        } finally {
            receiver.stop(0);
        }
    }
}

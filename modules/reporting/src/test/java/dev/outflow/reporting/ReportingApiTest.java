package dev.outflow.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.reporting.internal.Json;
import dev.outflow.testkit.kafka.KafkaTestCluster;

/** Reporting against a real broker, queried over its HTTP API as a user would; then restarted. */
class ReportingApiTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private final KafkaTestCluster kafka = KafkaTestCluster.get();
    private final HttpClient client = HttpClient.newHttpClient();
    @TempDir
    Path state;
    private Topics topics;
    private Config config;
    private HttpServer server;
    private Reporting reporting;

    @BeforeEach
    void start() throws Exception {
        topics = kafka.createOutflowTopics();
        config = Config.of(Map.of("topic.prefix", topics.prefix(), "reporting.state_dir", state.toString(),
                "http.token", "s3cret"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        startReporting();
    }

    private void startReporting() {
        reporting = Reporting.fromConfig(config, Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new HostInfo("127.0.0.1", server.getAddress().getPort())).start();
        try {
            server.removeContext("/api/");
        } catch (IllegalArgumentException first) {
            // not mounted yet
        }
        server.createContext("/api/", new ReportingApi(reporting, "s3cret"));
        await().atMost(WAIT).until(() -> reporting.state().equals("RUNNING"));
    }

    @AfterEach
    void stop() {
        if (reporting != null) reporting.close();
        if (server != null) server.stop(0);
    }

    @Test
    void tracksStatsAndSuppressesOverHttpAndAnswersTheSameAfterARestart() throws Exception {
        long now = System.currentTimeMillis();
        send(topics.delivered(), event("msg-1", Outcome.DELIVERED, now, new RecipientStatus("ann@example.org", 250, "2.0.0", "250 2.0.0 ok")));
        send(topics.bounced(), event("msg-2", Outcome.BOUNCED, now,
                new RecipientStatus("gone@example.org", 550, "5.1.1", "550 5.1.1 <gone@example.org>: user unknown")));

        JsonNode m = await().atMost(WAIT).until(() -> get("/api/messages/msg-1"), r -> r.status == 200).json;
        assertThat(m.path("state").asText()).isEqualTo("delivered");
        assertThat(m.path("recipients").path("ann@example.org").path("host").asText()).isEqualTo("mx.example.org");

        Response unknown = get("/api/messages/nope");
        assertThat(unknown.status).isEqualTo(404);
        assertThat(unknown.json.path("error").asText()).contains("no message nope");
        assertThat(get("/api/messages?rcpt=nobody@example.org").status).isEqualTo(404);

        JsonNode byRcpt = await().atMost(WAIT).until(() -> get("/api/messages?rcpt=Gone@Example.org"), r -> r.status == 200).json;
        assertThat(byRcpt.path("messages").get(0).path("id").asText()).isEqualTo("msg-2");
        assertThat(byRcpt.path("messages").get(0).path("recipients").path("gone@example.org").path("bounceClass").asText())
                .isEqualTo("bad-mailbox");

        JsonNode suppressed = await().atMost(WAIT).until(() -> get("/api/suppressions/gone@example.org"), r -> r.status == 200).json;
        assertThat(suppressed.path("source").asText()).isEqualTo("bounce");
        assertThat(suppressed.path("messageId").asText()).isEqualTo("msg-2");

        JsonNode stats = get("/api/stats?window=1m&last=5").json;
        long delivered = 0;
        long bounced = 0;
        for (JsonNode w : stats.path("windows")) {
            delivered += w.path("delivered").asLong();
            bounced += w.path("bounced").asLong();
        }
        assertThat(delivered).isEqualTo(1);
        assertThat(bounced).isEqualTo(1);
        assertThat(stats.path("domains").get(0).path("domain").asText()).isEqualTo("example.org");
        JsonNode domain = get("/api/domains/example.org").json;
        assertThat(domain.path("1h").get(0).path("bounceClasses").path("bad-mailbox").asLong()).as(domain.toString()).isEqualTo(1);
        assertThat(get("/api/domains/unseen.example").status).isEqualTo(404);
        assertThat(get("/api/stats?window=5m").status).isEqualTo(400);

        Response added = request("POST", "/api/suppressions", "{\"address\":\"Complainer@Example.net\",\"reason\":\"complaint\",\"ttl\":\"2d\"}");
        assertThat(added.status).isEqualTo(201);
        assertThat(added.json.path("address").asText()).isEqualTo("complainer@example.net");
        assertThat(get("/api/suppressions").json.path("suppressions").findValuesAsText("address"))
                .containsExactly("complainer@example.net", "gone@example.org");
        assertThat(request("DELETE", "/api/suppressions/complainer@example.net", null).status).isEqualTo(200);
        assertThat(request("DELETE", "/api/suppressions/complainer@example.net", null).status).isEqualTo(404);
        assertThat(request("POST", "/api/suppressions", "{\"address\":\"not an address\"}").status).isEqualTo(400);

        // Cancel: a deferred message is cancelled (written for the workers), a finished or unknown one says so.
        DeliveryEvent waiting = event("msg-3", Outcome.DEFERRED, now, new RecipientStatus("slow@example.org", 451, "4.7.1", "451 4.7.1 later"));
        waiting.setNextAttemptAt(now + 600_000);
        send(topics.deferred(), waiting);
        await().atMost(WAIT).until(() -> get("/api/messages/msg-3"), r -> r.status == 200);
        Response cancelled = request("POST", "/api/messages/msg-3/cancel", null);
        assertThat(cancelled.status).isEqualTo(202);
        assertThat(cancelled.json.path("pending").get(0).asText()).isEqualTo("slow@example.org");
        var written = kafka.drain(topics.cancellations(), new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), Duration.ofSeconds(30));
        assertThat(written).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("id:msg-3");
            assertThat(dev.outflow.codec.cancel.CancelRecords.decode(r.value()).covers(now)).isTrue();
        });
        Response finished = request("POST", "/api/messages/msg-1/cancel", null);
        assertThat(finished.status).isEqualTo(409);
        assertThat(finished.json.path("error").asText()).isEqualTo("message msg-1 is already finished (delivered)");
        assertThat(request("POST", "/api/messages/nope/cancel", null).status).isEqualTo(404);
        assertThat(get("/api/messages/msg-3/cancel").status).isEqualTo(405);

        HttpResponse<String> noToken = client.send(HttpRequest.newBuilder(uri("/api/suppressions")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);

        // Restart on the same state directory: the same answers.
        reporting.close();
        startReporting();
        JsonNode again = await().atMost(WAIT).until(() -> get("/api/messages/msg-1"), r -> r.status == 200).json;
        assertThat(again).isEqualTo(m);
        assertThat(get("/api/suppressions/gone@example.org").status).isEqualTo(200);
        assertThat(get("/api/suppressions/complainer@example.net").status).isEqualTo(404);
    }

    private static DeliveryEvent event(String id, Outcome outcome, long at, RecipientStatus rcpt) {
        DeliveryEvent e = new DeliveryEvent();
        e.setMessageId(id);
        e.setOutcome(outcome);
        e.setRecipients(List.of(rcpt));
        e.setDomain("example.org");
        e.setMailFrom("shop@example.com");
        e.setHost("mx.example.org");
        e.setIp("127.0.0.1");
        e.setTls(true);
        e.setAt(at);
        e.setDelayMs(1500);
        return e;
    }

    @Test
    void storesThatCannotBeQueriedNowAnswer503NotAnInternalError() throws Exception {
        send(topics.delivered(), event("msg-9", Outcome.DELIVERED, System.currentTimeMillis(),
                new RecipientStatus("ann@example.org", 250, "2.0.0", "250 2.0.0 ok")));
        await().atMost(WAIT).until(() -> get("/api/messages/msg-9").status, s -> s == 200);
        assertThat(get("/api/stats?window=1m").status).isEqualTo(200);

        reporting.close(); // as during a rebalance or a shutdown: the stores are not queryable
        for (String path : List.of("/api/messages/msg-9", "/api/messages/msg-9?local=true", "/api/stats?window=1m",
                "/api/messages?rcpt=ann@example.org&local=true", "/api/suppressions")) {
            Response r = get(path);
            assertThat(r.status).as(path + ": " + r.json).isEqualTo(503);
            assertThat(r.json.path("error").asText()).as(path).contains("not ready");
        }
    }

    private void send(String topic, DeliveryEvent e) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProps())) {
            p.send(new ProducerRecord<>(topic, e.getMessageId().getBytes(StandardCharsets.UTF_8),
                    Serdes.deliveryEvent().serialize(topic, e))).get(30, TimeUnit.SECONDS);
        }
    }

    private record Response(int status, JsonNode json) {
    }

    private Response get(String path) throws Exception {
        return request("GET", path, null);
    }

    private Response request(String method, String path, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer s3cret")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
        return new Response(resp.statusCode(), Json.MAPPER.readTree(resp.body()));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }
}

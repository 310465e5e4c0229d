package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.OutflowProcess;
import dev.outflow.acceptance.harness.Ports;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.webhooks.WebhookSignature;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged {@code outflow up} with {@code webhooks.urls} set: a message sent with
 * {@code outflow send} is delivered over SMTP, and its DELIVERED event reaches an HTTP receiver in a
 * signed JSON array, as the same object {@code outflow events} prints.
 */
@ExtendWith(PrintLogsOnFailure.class)
class WebhooksIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SECRET = "webhooks-it-secret";
    static final ObjectMapper JSON = new ObjectMapper();

    record Post(String signature, byte[] body) {
    }

    @Test
    void upPostsTheEventsOfRealDeliveriesSigned() throws Exception {
        List<Post> posts = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", x -> {
            posts.add(new Post(x.getRequestHeaders().getFirst(WebhookSignature.HEADER), x.getRequestBody().readAllBytes()));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        receiver.start();
        int port = Ports.freeOnAll("127.0.0.2");
        try (KnotDns dns = KnotDns.builder().freePort().start();
             FakeMx mx = FakeMx.builder().bind("127.0.0.2").port(port).hostname("mx2.test").start();
             Outflow outflow = Outflow.builder(WebhooksIT.class.getSimpleName()).dns(dns.server()).smtpPort(port)
                     .set("webhooks.urls", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/outflow")
                     .set("webhooks.secret", SECRET)
                     .create()) {
            OutflowProcess up = outflow.up();
            assertThat(up.printed("webhooks   1 endpoint(s): http://127.0.0.1:" + receiver.getAddress().getPort() + "/outflow")).isTrue();

            String id = outflow.send("hooks-sender@d20.test", List.of("hook@d2.test"), "Webhook", "delivered, then posted");
            Post[] got = new Post[1];
            JsonNode[] event = new JsonNode[1];
            Awaitility.await("the DELIVERED event posted").atMost(WAIT).until(() -> {
                for (Post p : posts) {
                    for (JsonNode e : JSON.readTree(p.body())) {
                        if (e.path("messageId").asText().equals(id) && e.path("outcome").asText().equals("DELIVERED")) {
                            got[0] = p;
                            event[0] = e;
                            return true;
                        }
                    }
                }
                return false;
            });
            assertThat(WebhookSignature.verify(got[0].signature(), SECRET.getBytes(StandardCharsets.UTF_8), got[0].body(),
                    Instant.now().getEpochSecond(), 300)).isTrue();
            assertThat(event[0].path("recipients").get(0).path("address").asText()).isEqualTo("hook@d2.test");
            assertThat(mx.messages()).isEqualTo(1);

            String printed = outflow.run("events", "--from-beginning", "--topic", "delivered").requireSuccess().stdout().lines()
                    .filter(l -> l.contains(id)).findFirst().orElseThrow();
            assertThat(event[0]).as("the same JSON as outflow events").isEqualTo(JSON.readTree(printed));
        } finally {
            receiver.stop(0);
        }
    }
}

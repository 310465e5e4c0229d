package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.CommandResult;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.OutflowProcess;
import dev.outflow.acceptance.harness.Ports;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.FakeMx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an operator sees, with Outflow as separate processes (broker, worker, router): {@code /health} and
 * {@code /ready} of a worker turn 200 once it joined its group; {@code outflow send} run from another
 * directory (the installation found through {@code OUTFLOW_HOME}, no {@code --config}) reaches the
 * same broker and the mail is delivered; {@code outflow status} then shows nothing waiting and the
 * delivery log line is in the worker's log; {@code /metrics} shows the counters, the delivery timers,
 * the consumer lag and JVM meters; stopping the broker turns {@code /health} to 503 naming
 * Kafka, and restarting it turns it back to 200.
 */
@ExtendWith(PrintLogsOnFailure.class)
class OperatorBasicsIT {
    static final Duration WAIT = Duration.ofSeconds(120);
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void healthReadinessStatusAndSendFromAnywhere() throws Exception {
        int port = Ports.freeOnAll("127.0.0.2");
        int httpPort = Ports.free();
        try (KnotDns dns = KnotDns.builder().freePort().start();
             FakeMx mx = FakeMx.builder().bind("127.0.0.2").port(port).hostname("mx2.test").start();
             Outflow outflow = Outflow.builder(OperatorBasicsIT.class.getSimpleName()).dns(dns.server()).smtpPort(port).create()) {
            OutflowProcess broker = outflow.start("broker").awaitOutput("broker listening on", WAIT);
            outflow.run("topics", "create").requireSuccess();
            OutflowProcess worker = outflow.start("worker", "--set", "http.listen=127.0.0.1:" + httpPort).awaitOutput("worker     ", WAIT);
            // outflow send waits for the router's outcome.
            outflow.start("router", "--set", "http.listen=127.0.0.1:" + Ports.free()).awaitOutput("router     ", WAIT);

            Awaitility.await("/health and /ready answer 200").atMost(WAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> get(httpPort, "/health").statusCode() == 200 && get(httpPort, "/ready").statusCode() == 200);
            assertThat(get(httpPort, "/health").body()).contains("\"status\":\"up\"").contains("\"worker\"");

            Path elsewhere = Files.createTempDirectory("outflow-elsewhere");
            CommandResult sent = outflow.runFrom(elsewhere, "send", "--from", "ops@d20.test", "--to", "alice@d2.test",
                    "--subject", "from anywhere", "--body", "hi").requireSuccess();
            String id = sent.lastLine();
            Awaitility.await("delivered to mx2").atMost(WAIT).until(() -> mx.messages() >= 1);
            assertThat(mx.received().get(0).text()).contains("Subject: from anywhere");

            Awaitility.await("status shows nothing waiting").atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(outflow.runFrom(elsewhere, "status").requireSuccess().stdout())
                            .containsPattern(Pattern.quote("outflow.outbound") + "\\s+0 waiting"));
            Awaitility.await("delivery log line").atMost(WAIT).until(() -> worker.stderr().contains(id + ": to=<alice@d2.test>, relay=mx2.test[127.0.0.2]:" + port));
            assertThat(worker.stderr()).containsPattern(Pattern.quote(id) + ": to=<alice@d2.test>, relay=\\S+, delay=[0-9.]+s, attempt=1, dsn=2\\.0\\.0, status=delivered, tls=(yes|no)(, tls_policy=\\S+)? \\(250");

            Awaitility.await("metrics on /metrics").atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(get(httpPort, "/metrics").body())
                            .containsPattern("outflow_worker_delivered_total\\{stage=\"worker\"} 1(\\.0)?\\n")
                            .contains("outflow_delivery_delay_seconds_bucket{outcome=\"delivered\",stage=\"worker\"")
                            .contains("outflow_delivery_attempt_seconds_count{result=\"delivered\",stage=\"worker\"} 1")
                            .containsPattern("outflow_consumer_lag_records\\{group=\"outflow.worker\",partition=\"\\d+\",topic=\"outflow.outbound\"} 0")
                            .contains("jvm_memory_used_bytes").contains("process_cpu_usage"));

            broker.stop();
            Awaitility.await("/health turns 503 without Kafka").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> get(httpPort, "/health").statusCode() == 503);
            assertThat(get(httpPort, "/health").body()).contains("\"status\":\"down\"").contains("Kafka unreachable");
            assertThat(get(httpPort, "/ready").statusCode()).isEqualTo(503);

            broker.restart().awaitOutput("broker listening on", WAIT);
            Awaitility.await("/health back to 200 with Kafka").atMost(WAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> get(httpPort, "/health").statusCode() == 200);
            worker.stop();
            broker.stop();
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

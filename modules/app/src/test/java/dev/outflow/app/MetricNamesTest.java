package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigLoader;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.disposition.DispositionPlan;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the alert rules, their promtool tests and the Grafana dashboard use is a name a
 * real process serves on {@code /metrics}: all stages of {@code outflow up} run against the test
 * broker and are scraped; the delivery histograms and per-domain counters, which appear with the
 * first delivery, come from the same {@link Metrics} class fed one decided delivery.
 */
class MetricNamesTest {
    private static final KafkaTestCluster kafka = KafkaTestCluster.get();
    private static final Pattern METRIC = Pattern.compile("\\b((?:outflow|jvm|process)_[a-z0-9_]+)");

    @TempDir
    Path dir;

    @Test
    void alertsTheirTestsAndTheDashboardUseOnlyServedMetricNames() throws Exception {
        Set<String> served = new TreeSet<>();
        served.addAll(names(runningProcessScrape()));
        served.addAll(names(firstDeliveryScrape()));
        assertThat(served).contains("outflow_worker_delivered_total", "outflow_consumer_lag_records", "outflow_consumer_oldest_age_seconds",
                "outflow_delivery_delay_seconds_bucket", "outflow_domain_recipients_total", "outflow_webhooks_failures_total");

        Map<String, String> used = new TreeMap<>();
        Path root = OpsMaterialTest.ROOT;
        JsonNode rules = OpsMaterialTest.yamlDocs(root.resolve("ops/prometheus/alerts.yaml")).getFirst();
        rules.path("groups").forEach(g -> g.path("rules").forEach(r -> collect(r.path("expr").asText(), "alerts.yaml", used)));
        OpsMaterialTest.yamlDocs(root.resolve("ops/prometheus/alerts.test.yaml")).getFirst().path("tests")
                .forEach(t -> t.path("input_series").forEach(s -> collect(s.path("series").asText(), "alerts.test.yaml", used)));
        JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper().readTree(root.resolve("ops/grafana/outflow-dashboard.json").toFile());
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> collect(t.path("expr").asText(), "outflow-dashboard.json", used)));

        assertThat(used).hasSizeGreaterThan(15);
        Map<String, String> unknown = new TreeMap<>(used);
        unknown.keySet().removeAll(served);
        assertThat(unknown).as("metric names used but not served (served: " + served + ")").isEmpty();
    }

    private static void collect(String expr, String where, Map<String, String> into) {
        Matcher m = METRIC.matcher(expr);
        while (m.find()) into.putIfAbsent(m.group(1), where);
    }

    private static Set<String> names(String scrape) {
        Set<String> out = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
            out.add(line.substring(0, end));
        }
        return out;
    }

    /** /metrics of a process running every stage, once the lag gauges have reported. */
    private String runningProcessScrape() throws Exception {
        String prefix = kafka.uniqueName("metrics") + ".";
        Map<String, String> set = new HashMap<>();
        set.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        set.put("topic.prefix", prefix);
        set.put("topic.outbound_partitions", "2");
        set.put("topic.partitions", "1");
        set.put("me", "metrics.test");
        set.put("data.dir", dir.toString());
        set.put("plugins.dir", dir.resolve("plugins").toString());
        set.put("smtpd.users", dir.resolve("users").toString());
        set.put("http.listen", "127.0.0.1:0");
        set.put("smtpd.listen", "127.0.0.1:0");
        // An endpoint nobody answers: the webhooks stage runs and serves its counters.
        set.put("webhooks.urls", "http://127.0.0.1:9/metrics-test");
        set.put("webhooks.secret", "metrics-test");
        Config config = new ConfigLoader(dir.resolve("absent.properties"), false, Map.of(), set).load();
        Context ctx = Context.of(config, kafka.bootstrapServers());
        ctx.ensureTopics();
        try (Components components = new Components(ctx).all()) {
            String http = components.describe().stream().filter(l -> l.startsWith("http ")).findFirst().orElseThrow()
                    .replaceAll(".*(http://[^/]+)/.*", "$1");
            HttpClient client = HttpClient.newHttpClient();
            String[] body = {""};
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                body[0] = client.send(HttpRequest.newBuilder(URI.create(http + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
                assertThat(body[0]).contains("outflow_consumer_lag_records{").contains("outflow_consumer_oldest_age_seconds{");
            });
            return body[0];
        }
    }

    /** What {@link Metrics} serves once a worker decided its first delivery. */
    private static String firstDeliveryScrape() {
        try (Metrics metrics = new Metrics()) {
            Delivery d = new Delivery("m-1", "a@example.com", List.of("b@example.org", "c@example.org"), "example.org",
                    "x".getBytes(StandardCharsets.UTF_8), Instant.now().minusSeconds(3), 0, Map.of(), null, null);
            DeliveryResult r = new DeliveryResult(List.of(RecipientResult.of("b@example.org", 250, "2.0.0", "ok"),
                    RecipientResult.of("c@example.org", 550, "5.1.1", "no such user")), "mx.example.org", "127.0.0.1", 25, "SMTP", false, null);
            metrics.attempt(r, Duration.ofMillis(200));
            metrics.decision(new DispositionPlan(d, r, Instant.now(), List.of(r.recipients().getFirst()), Optional.empty(), List.of(), Optional.empty()));
            return metrics.scrape();
        }
    }
}

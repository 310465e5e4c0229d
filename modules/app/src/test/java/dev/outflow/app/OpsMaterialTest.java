package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outflow.codec.topics.TopicSpec;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigKey;
import dev.outflow.core.config.ConfigLoader;
import dev.outflow.core.config.OutflowKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The deployment material in {@code docker/} and {@code ops/} checked against the code it
 * deploys: no Docker engine or Kubernetes cluster runs here, so what can be proven without one is
 * proven here. Commands are parsed by picocli, variables are looked up in {@link OutflowKeys},
 * property files are loaded by {@link ConfigLoader}, topics are compared with what
 * {@code outflow topics create} would create, and the alert rules go through {@code promtool}.
 */
class OpsMaterialTest {
    static final Path ROOT = Path.of("").toAbsolutePath().resolve("../..").normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Read by the launcher or the CLI itself, not configuration keys. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("OUTFLOW_HOME", "OUTFLOW_DEBUG", "OUTFLOW_JAVA_OPTS");
    /** 'outflow report' comes with the reporting module; until it is in Main these places may name it. */
    private static final Set<String> REPORT_PENDING_IN = Set.of("docker/compose.yaml#reporting", "ops/k8s/components/reporting/deployment-reporting.yaml");

    static List<Path> material() {
        try (Stream<Path> s = Stream.concat(Files.walk(ROOT.resolve("docker")), Files.walk(ROOT.resolve("ops")))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every YAML document of a file (multi-document files included), read with SnakeYAML, which
     * resolves anchors and merge keys ({@code <<: *outflow}) as Docker Compose does.
     */
    static List<JsonNode> yamlDocs(Path p) {
        try (var in = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            List<JsonNode> docs = new ArrayList<>();
            for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(in)) {
                if (doc != null) docs.add(JSON.valueToTree(doc));
            }
            return docs;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("cannot parse " + ROOT.relativize(p) + ": " + e.getMessage(), e);
        }
    }

    static List<JsonNode> k8sDocs() {
        return material().stream().filter(p -> p.startsWith(ROOT.resolve("ops/k8s")) && p.toString().endsWith(".yaml"))
                .flatMap(p -> yamlDocs(p).stream()).toList();
    }

    static List<JsonNode> kind(String kind) {
        return k8sDocs().stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    static JsonNode compose() {
        return yamlDocs(ROOT.resolve("docker/compose.yaml")).getFirst();
    }

    static Config config(Path properties) {
        return new ConfigLoader(properties, true, Map.of(), Map.of()).load();
    }

    @Test
    void everyYamlAndJsonFileParses() throws IOException {
        int yaml = 0;
        int json = 0;
        for (Path p : material()) {
            String name = p.getFileName().toString();
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                assertThat(yamlDocs(p)).as(ROOT.relativize(p).toString()).isNotEmpty();
                yaml++;
            } else if (name.endsWith(".json")) {
                assertThat(JSON.readTree(p.toFile()).isObject()).as(ROOT.relativize(p).toString()).isTrue();
                json++;
            }
        }
        assertThat(yaml).isGreaterThanOrEqualTo(15);
        assertThat(json).isGreaterThanOrEqualTo(1);
    }

    /** A command line of the material, and where it was found. */
    record Use(String where, List<String> args) {}

    static List<Use> commandLines() {
        List<Use> uses = new ArrayList<>();
        compose().path("services").fields().forEachRemaining(e -> {
            if (e.getValue().path("image").asText().startsWith("outflow:")) {
                uses.add(new Use("docker/compose.yaml#" + e.getKey(), strings(e.getValue().path("command"))));
            }
        });
        for (Path p : material()) {
            String rel = ROOT.relativize(p).toString();
            if (rel.startsWith("ops/k8s") && rel.endsWith(".yaml")) {
                for (JsonNode d : yamlDocs(p)) {
                    for (JsonNode c : d.path("spec").path("template").path("spec").path("containers")) {
                        if ("outflow".equals(c.path("image").asText())) uses.add(new Use(rel, strings(c.path("args"))));
                    }
                }
            }
            if (rel.startsWith("ops/systemd")) {
                Matcher m = Pattern.compile("(?m)^ExecStart=\\S*/bin/outflow (.*)$").matcher(read(p));
                while (m.find()) uses.add(new Use(rel, List.of(m.group(1).trim().split("\\s+"))));
            }
        }
        Matcher cmd = Pattern.compile("(?m)^CMD \\[(.*)]").matcher(read(ROOT.resolve("docker/Dockerfile")));
        assertThat(cmd.find()).as("Dockerfile CMD").isTrue();
        uses.add(new Use("docker/Dockerfile", List.of(cmd.group(1).replace("\"", "").split("\\s*,\\s*"))));
        return uses;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void everyCommandInComposeKubernetesAndSystemdIsARealOutflowSubcommand() {
        List<Use> uses = commandLines();
        assertThat(uses.stream().filter(u -> u.where().startsWith("docker/compose")).count()).isGreaterThanOrEqualTo(6);
        assertThat(uses.stream().filter(u -> u.where().startsWith("ops/k8s")).count()).isGreaterThanOrEqualTo(5);
        assertThat(uses.stream().filter(u -> u.where().startsWith("ops/systemd")).count()).isGreaterThanOrEqualTo(5);
        boolean hasReport = new CommandLine(new Main()).getSubcommands().containsKey("report");
        for (Use u : uses) {
            assertThat(u.args()).as(u.where()).isNotEmpty();
            if (!hasReport && u.args().getFirst().equals("report")) {
                assertThat(REPORT_PENDING_IN).as(u.where() + " names 'outflow report', which this build does not have").contains(u.where());
                continue;
            }
            CommandLine.ParseResult parsed;
            try {
                parsed = new CommandLine(new Main()).parseArgs(u.args().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                throw new AssertionError(u.where() + ": 'outflow " + String.join(" ", u.args()) + "' is not a valid command: " + e.getMessage(), e);
            }
            CommandLine.ParseResult leaf = parsed;
            while (leaf.subcommand() != null) leaf = leaf.subcommand();
            assertThat(leaf).as(u.where() + ": 'outflow " + String.join(" ", u.args()) + "' names no subcommand").isNotSameAs(parsed);
            assertThat(leaf.commandSpec().subcommands()).as(u.where() + ": 'outflow " + String.join(" ", u.args())
                    + "' stops at a command group").isEmpty();
        }
    }

    @Test
    void everyOutflowVariableIsADeclaredKeyOrALauncherVariable() {
        Set<String> declared = OutflowKeys.all().values().stream().map(ConfigKey::envName).collect(Collectors.toSet());
        Pattern var = Pattern.compile("\\bOUTFLOW_[A-Z0-9_]+");
        Map<String, String> unknown = new LinkedHashMap<>();
        int seen = 0;
        for (Path p : material()) {
            Matcher m = var.matcher(read(p));
            while (m.find()) {
                String v = m.group();
                seen++;
                // OUTFLOW_KAFKA_CLIENT_<setting> passes any Kafka client setting; the bare prefix is its mention in prose.
                boolean ok = declared.contains(v) || LAUNCHER_VARIABLES.contains(v) || v.startsWith("OUTFLOW_KAFKA_CLIENT_");
                if (!ok) unknown.put(v, ROOT.relativize(p).toString());
            }
        }
        assertThat(seen).isGreaterThanOrEqualTo(15);
        assertThat(unknown).as("OUTFLOW_* variables that no key declares").isEmpty();
    }

    @Test
    void composeEnvironmentAndShippedPropertiesAreValidConfigurations() {
        Map<String, String> env = new HashMap<>();
        compose().path("x-outflow-env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        assertThat(env).containsKeys("OUTFLOW_KAFKA_BOOTSTRAP_SERVERS", "OUTFLOW_TOPIC_MIN_INSYNC_REPLICAS");
        Config c = new ConfigLoader(ROOT.resolve("docker/outflow.properties"), true, env, Map.of()).load();
        assertThat(c.get(OutflowKeys.TOPIC_REPLICATION_FACTOR)).isEqualTo(3);
        assertThat(c.get(OutflowKeys.TOPIC_MIN_INSYNC_REPLICAS)).isEqualTo(2);
        assertThat(c.get(OutflowKeys.HTTP_LISTEN).port()).isEqualTo(8700);
        assertThat(c.get(OutflowKeys.ALLOW_PRIVATE)).as("Mailpit is on the private compose network").isTrue();

        for (String f : List.of("ops/k8s/base/outflow.properties", "ops/k8s/overlays/example/outflow.properties")) {
            Config k = config(ROOT.resolve(f));
            assertThat(k.get(OutflowKeys.TOPIC_REPLICATION_FACTOR)).as(f).isEqualTo(3);
            assertThat(k.get(OutflowKeys.TOPIC_MIN_INSYNC_REPLICAS)).as(f).isEqualTo(2);
        }
    }

    private static final Pattern PINNED = Pattern.compile("[^:@\\s]+(:[^:@\\s]*\\d+\\.\\d+[^:@\\s]*)?(@sha256:[0-9a-f]{64})?");

    private static void assertPinned(String image, String where) {
        Matcher m = PINNED.matcher(image);
        assertThat(m.matches() && (m.group(1) != null || m.group(2) != null) && !image.endsWith(":latest"))
                .as(where + ": image '" + image + "' is not pinned to a version").isTrue();
    }

    @Test
    void everyImageIsPinnedToAVersion() {
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(read(ROOT.resolve("docker/Dockerfile")));
        int n = 0;
        while (from.find()) {
            assertPinned(from.group(1), "docker/Dockerfile");
            assertThat(from.group(1)).matches("eclipse-temurin:21\\..*-(jdk|jre)-.*");
            n++;
        }
        assertThat(n).isEqualTo(2);
        int[] pulled = {0};
        compose().path("services").fields().forEachRemaining(e -> {
            JsonNode s = e.getValue();
            if (s.has("build")) return; // built from this checkout, not pulled
            assertPinned(s.path("image").asText(), "docker/compose.yaml#" + e.getKey());
            pulled[0]++;
        });
        assertThat(pulled[0]).isGreaterThanOrEqualTo(7);
        for (Path p : material()) {
            if (!p.getFileName().toString().equals("kustomization.yaml")) continue;
            for (JsonNode img : yamlDocs(p).getFirst().path("images")) {
                assertPinned(img.path("newName").asText() + ":" + img.path("newTag").asText(), ROOT.relativize(p).toString());
            }
        }
    }

    @Test
    void dockerfileBuildsWithTheWrapperRunsNonRootAndChecksHealth() {
        String df = read(ROOT.resolve("docker/Dockerfile"));
        assertThat(df).contains("./mvnw ").contains("-pl modules/app -am");
        assertThat(df).containsPattern("(?m)^USER 10001");
        assertThat(df).containsPattern("(?m)^HEALTHCHECK .*\\n.*http://127\\.0\\.0\\.1:8700/health");
        assertThat(df).contains("\"dev.outflow.app.Main\"");
        assertThat(config(ROOT.resolve("docker/outflow.properties")).get(OutflowKeys.HTTP_LISTEN).port()).as("HEALTHCHECK port").isEqualTo(8700);
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(.+) \\S+$").matcher(df);
        int n = 0;
        while (copy.find()) {
            for (String src : copy.group(1).trim().split("\\s+")) {
                assertThat(ROOT.resolve(src)).as("COPY source " + src).exists();
                n++;
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(6);
    }

    @Test
    void composeRunsThreeReplicatedBrokersAndEveryStageWithDnsPointingAtMailpit() {
        JsonNode services = compose().path("services");
        List<String> brokers = new ArrayList<>();
        services.fields().forEachRemaining(e -> {
            if (e.getValue().path("image").asText().startsWith("apache/kafka:")) brokers.add(e.getKey());
        });
        assertThat(brokers).hasSize(3);
        for (String b : brokers) {
            JsonNode env = services.path(b).path("environment");
            assertThat(env.path("KAFKA_MIN_INSYNC_REPLICAS").asText()).isEqualTo("2");
            assertThat(env.path("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asText()).isEqualTo("3");
            assertThat(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText().split(",")).hasSize(3);
        }
        assertThat(strings(services.path("topics").path("command"))).containsExactly("topics", "create");
        assertThat(services.path("topics").path("restart").asText()).isEqualTo("no");
        assertThat(services.path("worker").path("deploy").path("replicas").asInt()).isEqualTo(2);
        assertThat(services.path("worker").path("depends_on").path("topics").path("condition").asText()).isEqualTo("service_completed_successfully");
        for (String s : List.of("scheduler", "router", "smtpd", "reporting", "mailpit", "dns", "prometheus", "grafana")) {
            assertThat(services.has(s)).as("service " + s).isTrue();
        }
        String mailpitIp = services.path("mailpit").path("networks").path("outflow").path("ipv4_address").asText();
        String dnsIp = services.path("dns").path("networks").path("outflow").path("ipv4_address").asText();
        assertThat(compose().path("x-outflow-env").path("OUTFLOW_DNS_SERVERS").asText()).isEqualTo(dnsIp);
        String zone = read(ROOT.resolve("docker/coredns/test.zone"));
        assertThat(zone).containsPattern("(?m)^mx\\s+IN\\s+A\\s+" + Pattern.quote(mailpitIp) + "\\s*$");
        assertThat(zone).containsPattern("(?m)^\\*\\s+IN\\s+MX\\s+10\\s+mx\\.test\\.\\s*$");
        assertThat(read(ROOT.resolve("docker/coredns/Corefile"))).contains("file /etc/coredns/test.zone");
        // Everything compose mounts from this repository exists.
        services.fields().forEachRemaining(e -> e.getValue().path("volumes").forEach(v -> {
            String src = v.asText().split(":")[0];
            if (src.startsWith(".")) assertThat(ROOT.resolve("docker").resolve(src).normalize()).as(e.getKey() + " mounts " + src).exists();
        }));
    }

    @Test
    void kafkaTopicsAreExactlyWhatTopicsCreateMakes() {
        Context ctx = Context.of(config(ROOT.resolve("ops/k8s/base/outflow.properties")), "unused:9092");
        Map<String, TopicSpec> expected = ctx.topicSpecs().stream().collect(Collectors.toMap(TopicSpec::name, s -> s));
        Map<String, JsonNode> declared = new HashMap<>();
        for (JsonNode t : kind("KafkaTopic")) declared.put(t.path("spec").path("topicName").asText(), t.path("spec"));
        assertThat(declared.keySet()).isEqualTo(expected.keySet());
        expected.forEach((name, spec) -> {
            JsonNode t = declared.get(name);
            assertThat(t.path("partitions").asInt()).as(name + " partitions").isEqualTo(spec.partitions());
            assertThat(t.path("replicas").asInt()).as(name + " replicas").isEqualTo(spec.replicationFactor());
            Map<String, String> cfg = new HashMap<>();
            t.path("config").fields().forEachRemaining(e -> cfg.put(e.getKey(), e.getValue().asText()));
            assertThat(cfg).as(name + " config").isEqualTo(spec.configs());
        });
    }

    @Test
    void kedaScalesWorkersOnOutboundLagUpToItsPartitionCount() {
        Config c = config(ROOT.resolve("ops/k8s/base/outflow.properties"));
        Context ctx = Context.of(c, "unused:9092");
        List<JsonNode> scaled = kind("ScaledObject");
        assertThat(scaled).hasSize(1);
        JsonNode so = scaled.getFirst().path("spec");
        assertThat(kind("Deployment").stream().map(d -> d.path("metadata").path("name").asText()))
                .contains(so.path("scaleTargetRef").path("name").asText());
        assertThat(so.path("scaleTargetRef").path("name").asText()).isEqualTo("outflow-worker");
        assertThat(so.path("maxReplicaCount").asInt()).isEqualTo(c.get(OutflowKeys.TOPIC_OUTBOUND_PARTITIONS));
        JsonNode trigger = so.path("triggers").get(0);
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        assertThat(trigger.path("metadata").path("topic").asText()).isEqualTo(ctx.topics().outbound());
        assertThat(trigger.path("metadata").path("consumerGroup").asText()).isEqualTo(ctx.group("worker"));
        assertThat(trigger.path("metadata").path("allowIdleConsumers").asText()).isEqualTo("false");
    }

    @Test
    void deploymentsHaveProbesResourcesBudgetsAndOutlastTheirTimeouts() {
        Config c = config(ROOT.resolve("ops/k8s/base/outflow.properties"));
        long smtpLongest = Stream.of(c.get(OutflowKeys.COMMAND_TIMEOUT), c.get(OutflowKeys.DATA_TIMEOUT), c.get(OutflowKeys.SHUTDOWN_TIMEOUT))
                .mapToLong(Duration::toSeconds).max().orElseThrow();
        List<JsonNode> pdbs = kind("PodDisruptionBudget");
        List<JsonNode> deployments = kind("Deployment");
        assertThat(deployments.stream().map(d -> d.path("spec").path("template").path("spec").path("containers").get(0).path("args").get(0).asText()))
                .contains("worker", "scheduler", "router", "smtpd");
        for (JsonNode d : deployments) {
            String name = d.path("metadata").path("name").asText();
            JsonNode pod = d.path("spec").path("template").path("spec");
            JsonNode container = pod.path("containers").get(0);
            assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).as(name).isEqualTo("/health");
            assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).as(name).isEqualTo("/ready");
            JsonNode http = null;
            for (JsonNode port : container.path("ports")) if ("http".equals(port.path("name").asText())) http = port;
            assertThat(http).as(name + " port http").isNotNull();
            assertThat(http.path("containerPort").asInt()).as(name + " http port = http.listen").isEqualTo(c.get(OutflowKeys.HTTP_LISTEN).port());
            assertThat(container.path("resources").path("requests").has("cpu")).as(name).isTrue();
            assertThat(container.path("resources").path("requests").has("memory")).as(name).isTrue();
            assertThat(container.path("resources").path("limits").has("memory")).as(name).isTrue();
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).as(name).isTrue();
            Map<String, String> labels = new HashMap<>();
            d.path("spec").path("template").path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            if (!name.equals("outflow-reporting")) {
                assertThat(pdbs).as(name + " has a PodDisruptionBudget").anySatisfy(p -> {
                    Map<String, String> sel = new HashMap<>();
                    p.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(e -> sel.put(e.getKey(), e.getValue().asText()));
                    assertThat(labels).containsAllEntriesOf(sel);
                });
            }
            long grace = pod.path("terminationGracePeriodSeconds").asLong();
            String stage = container.path("args").get(0).asText();
            if (stage.equals("worker")) assertThat(grace).as(name + " grace vs SMTP timeouts").isGreaterThan(smtpLongest);
            if (stage.equals("smtpd")) assertThat(grace).as(name + " grace vs smtpd.timeout").isGreaterThan(c.get(OutflowKeys.SMTPD_TIMEOUT).toSeconds());
            assertThat(grace).as(name + " grace vs worker.shutdown_timeout").isGreaterThan(30);
        }
        for (Path p : material()) {
            if (!p.getFileName().toString().equals("kustomization.yaml")) continue;
            JsonNode k = yamlDocs(p).getFirst();
            for (String field : List.of("resources", "components")) {
                for (JsonNode r : k.path(field)) assertThat(p.getParent().resolve(r.asText())).as(ROOT.relativize(p) + " " + field).exists();
            }
            for (JsonNode g : k.path("configMapGenerator")) {
                for (JsonNode f : g.path("files")) assertThat(p.getParent().resolve(f.asText())).exists();
            }
        }
    }

    @Test
    void systemdUnitsStopLaterThanTheWorkerGivesUp() {
        Config c = config(ROOT.resolve("docker/outflow.properties"));
        String worker = read(ROOT.resolve("ops/systemd/outflow-worker@.service"));
        Matcher stop = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)$").matcher(worker);
        assertThat(stop.find()).isTrue();
        assertThat(Long.parseLong(stop.group(1))).isGreaterThan(c.get(OutflowKeys.SHUTDOWN_TIMEOUT).toSeconds());
        assertThat(worker).contains("Environment=OUTFLOW_WORKER_ID=%H-%i").contains("KillSignal=SIGTERM");
    }

    @Test
    void promtoolAcceptsTheAlertRulesAndTheirTestsPass() throws Exception {
        Path dir = ROOT.resolve("ops/prometheus");
        String check = promtool(dir, "check", "rules", "alerts.yaml");
        assertThat(check).contains("SUCCESS");
        String test = promtool(dir, "test", "rules", "alerts.test.yaml");
        assertThat(test).contains("SUCCESS");
        JsonNode rules = yamlDocs(dir.resolve("alerts.yaml")).getFirst();
        Set<String> alerts = new TreeSet<>();
        rules.path("groups").forEach(g -> g.path("rules").forEach(r -> { if (r.has("alert")) alerts.add(r.path("alert").asText()); }));
        assertThat(alerts).contains("OutflowLagGrowing", "OutflowOldestWaitingTooOld", "OutflowDomainBounceRate", "OutflowDeadLettersGrowing",
                "OutflowNoDeliveriesWhileQueued", "OutflowStageMissing");
        Set<String> tested = new TreeSet<>();
        yamlDocs(dir.resolve("alerts.test.yaml")).getFirst().path("tests")
                .forEach(t -> t.path("alert_rule_test").forEach(a -> { if (a.path("exp_alerts").size() > 0) tested.add(a.path("alertname").asText()); }));
        assertThat(tested).as("every alert has a case where it fires").isEqualTo(alerts);
    }

    @Test
    void everyRunbookAnAlertLinksToIsAHeadingOfOpsReadme() {
        Set<String> anchors = new TreeSet<>();
        Matcher h = Pattern.compile("(?m)^#{2,4} (.+)$").matcher(read(ROOT.resolve("ops/README.md")));
        while (h.find()) anchors.add(h.group(1).trim().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 -]", "").replace(' ', '-'));
        Matcher link = Pattern.compile("ops/README\\.md#([a-z0-9-]+)").matcher(read(ROOT.resolve("ops/prometheus/alerts.yaml")));
        int n = 0;
        while (link.find()) {
            assertThat(anchors).as("runbook #" + link.group(1)).contains(link.group(1));
            n++;
        }
        assertThat(n).isGreaterThanOrEqualTo(6);
    }

    private static String promtool(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("promtool is not installed (Debian package 'prometheus'; .ci/run installs it): " + e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool " + String.join(" ", args) + ":\n" + out).isZero();
        return out;
    }
}

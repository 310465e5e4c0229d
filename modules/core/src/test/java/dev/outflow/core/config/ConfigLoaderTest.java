package dev.outflow.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsApplyWhenNothingIsSet() {
        Config c = new ConfigLoader(dir.resolve("absent.properties"), false, Map.of(), Map.of()).load();
        assertThat(c.get(OutflowKeys.CONCURRENCY_MAX)).isEqualTo(100);
        assertThat(c.get(OutflowKeys.ENABLE_TLS)).isTrue();
        assertThat(c.get(OutflowKeys.MAX_MESSAGE_BYTES)).isEqualTo(10L * 1024 * 1024);
        assertThat(c.get(OutflowKeys.BROKER_LISTEN)).isEqualTo(new HostPort("127.0.0.1", 9092));
        assertThat(c.get(OutflowKeys.SCHEDULER_BUCKETS)).containsExactly("10s", "1m", "5m", "15m", "1h", "4h");
        assertThat(c.get(OutflowKeys.KAFKA_BOOTSTRAP)).isNull();
        assertThat(c.origin("outbound.concurrency_max")).isEqualTo("default");
    }

    @Test
    void laterSourcesWinFileThenEnvThenSet() throws IOException {
        Path file = write("outbound.concurrency_max=10\noutbound.domain_concurrency=3\nme=file.example\n");
        Map<String, String> env = Map.of("OUTFLOW_OUTBOUND_CONCURRENCY_MAX", "20", "OUTFLOW_ME", "env.example", "PATH", "/bin");
        Map<String, String> set = Map.of("me", "set.example");

        Config c = new ConfigLoader(file, true, env, set).load();

        assertThat(c.get(OutflowKeys.DOMAIN_CONCURRENCY)).isEqualTo(3);
        assertThat(c.get(OutflowKeys.CONCURRENCY_MAX)).isEqualTo(20);
        assertThat(c.get(OutflowKeys.ME)).isEqualTo("set.example");
        assertThat(c.origin("outbound.domain_concurrency")).isEqualTo(file.toString());
        assertThat(c.origin("outbound.concurrency_max")).isEqualTo("env OUTFLOW_OUTBOUND_CONCURRENCY_MAX");
        assertThat(c.origin("me")).isEqualTo("--set");
    }

    @Test
    void envNameIsPrefixedUpperCaseWithUnderscores() {
        assertThat(OutflowKeys.KAFKA_BOOTSTRAP.envName()).isEqualTo("OUTFLOW_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(OutflowKeys.TEMP_FAIL_INTERVALS.envName()).isEqualTo("OUTFLOW_OUTBOUND_TEMP_FAIL_INTERVALS");
    }

    @Test
    void everyTypeParses() {
        Config c = Config.of(Map.of(
                "outbound.connect_timeout", "1500ms",
                "dns.timeout", "2",
                "outbound.max_message_bytes", "512k",
                "outbound.disabled", "yes",
                "dns.servers", " 127.0.0.1:5353 , ,::1 ",
                "smtpd.listen", "[::1]:2525",
                "data.dir", "/var/lib/outflow"));
        assertThat(c.get(OutflowKeys.CONNECT_TIMEOUT)).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.get(OutflowKeys.DNS_TIMEOUT)).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.get(OutflowKeys.MAX_MESSAGE_BYTES)).isEqualTo(512 * 1024L);
        assertThat(c.get(OutflowKeys.DISABLED)).isTrue();
        assertThat(c.get(OutflowKeys.DNS_SERVERS)).containsExactly("127.0.0.1:5353", "::1");
        assertThat(c.get(OutflowKeys.SMTPD_LISTEN)).isEqualTo(new HostPort("::1", 2525));
        assertThat(c.get(OutflowKeys.DATA_DIR)).isEqualTo(Path.of("/var/lib/outflow"));
    }

    @Test
    void badValuesNameTheKeyAndTheProblem() {
        assertError("outbound.concurrency_max", "many", "'many' is not an integer");
        assertError("outbound.concurrency_max", "0", "must be more than 0");
        assertError("outbound.enable_tls", "maybe", "is not a boolean");
        assertError("outbound.connect_timeout", "soon", "is not a duration");
        assertError("outbound.connect_timeout", "0s", "must be more than 0");
        assertError("outbound.max_message_bytes", "10 parsecs", "is not a size");
        assertError("broker.listen", "localhost", "is not host:port");
        assertError("broker.listen", "localhost:99999", "out of range");
        assertError("smtpd.listen", "host:abc", "is not a port number");
        assertError("outbound.smtp_port", "70000", "is not a port");
        assertError("topic.replication_factor", "0", "must be -1 or >= 1");
        assertError("no.such.key", "1", "unknown key");
    }

    @Test
    void kafkaClientKeysPassThroughWithoutPrefix() {
        Config c = Config.of(Map.of("kafka.client.security.protocol", "SSL", "kafka.client.linger.ms", "5"));
        assertThat(c.kafkaClientProperties()).containsEntry("security.protocol", "SSL").containsEntry("linger.ms", "5");
    }

    @Test
    void namedFileMustExistButDefaultFileMayBeAbsent() {
        assertThatThrownBy(() -> new ConfigLoader(dir.resolve("nope.properties"), true, Map.of(), Map.of()).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
    }

    @Test
    void badValueInFileFailsNamingTheKey() throws IOException {
        Path file = write("outbound.ipv6_enabled=sometimes\n");
        assertThatThrownBy(() -> new ConfigLoader(file, true, Map.of(), Map.of()).load())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("outbound.ipv6_enabled"));
    }

    @Test
    void setRequiresKeyEqualsValue() {
        assertThat(ConfigLoader.parseSet("me=a=b")).isEqualTo(Map.entry("me", "a=b"));
        assertThatThrownBy(() -> ConfigLoader.parseSet("me")).isInstanceOf(ConfigException.class).hasMessageContaining("key=value");
    }

    @Test
    void liveConfigReloadsHotKeysOnlyAndIgnoresBadEdits() throws IOException {
        Path file = write("outbound.disabled=false\noutbound.domain_concurrency=3\n");
        ConfigLoader loader = new ConfigLoader(file, true, Map.of(), Map.of());
        LiveConfig live = new LiveConfig(loader, loader.load());
        AtomicReference<Config> seen = new AtomicReference<>();
        live.onChange(seen::set);

        rewrite(file, "outbound.disabled=true\noutbound.domain_concurrency=7\n", 1);
        assertThat(live.refresh()).isTrue();
        assertThat(live.get().get(OutflowKeys.DISABLED)).isTrue();
        assertThat(live.get().get(OutflowKeys.DOMAIN_CONCURRENCY)).as("not hot: keeps start-up value").isEqualTo(3);
        assertThat(seen.get()).isSameAs(live.get());

        rewrite(file, "outbound.disabled=banana\n", 2);
        assertThat(live.refresh()).isFalse();
        assertThat(live.get().get(OutflowKeys.DISABLED)).isTrue();

        rewrite(file, "", 3);
        assertThat(live.refresh()).isTrue();
        assertThat(live.get().get(OutflowKeys.DISABLED)).as("removed hot key returns to its default").isFalse();
    }

    @Test
    void onlyHotKeysCanBeSetLive() {
        LiveConfig live = LiveConfig.fixed(Config.defaults());
        live.set(Map.of("outbound.concurrency_max", "5"));
        assertThat(live.get().get(OutflowKeys.CONCURRENCY_MAX)).isEqualTo(5);
        assertThatThrownBy(() -> live.set(Map.of("me", "x"))).hasMessageContaining("not hot-reloadable");
    }

    @Test
    void tableDocumentsEveryKeyAndHotKeysMatchTheDesign() {
        assertThat(OutflowKeys.all().values()).allSatisfy(k -> assertThat(k.doc()).isNotBlank());
        assertThat(OutflowKeys.hotKeys()).extracting(ConfigKey::name).containsExactlyInAnyOrder(
                "outbound.disabled", "outbound.concurrency_max", "outbound.enable_tls", "outbound.temp_fail_intervals");
        assertThat(OutflowKeys.all().keySet()).containsAll(List.of("me", "kafka.bootstrap.servers", "outbound.ipv6_enabled",
                "outbound.bounce_message", "outbound.max_message_bytes", "broker.listen", "outbound.smtp_port",
                "outbound.connect_timeout", "dns.servers", "smtpd.listen", "smtpd.users", "smtpd.relay_networks",
                "smtpd.tls_cert", "smtpd.tls_key", "http.listen", "data.dir"));
    }

    @Test
    void relativePathsOfDefaultsAndTheFileResolveAgainstTheInstallationNotTheCommandLine() throws Exception {
        Path home = dir.resolve("install");
        Path file = Files.createDirectories(home.resolve("config")).resolve("outflow.properties");
        Files.writeString(file, "smtpd.users=conf/users\n");
        Config c = new ConfigLoader(home, file, true, Map.of("OUTFLOW_PLUGINS_DIR", "env-plugins"), Map.of("outbound.bounce_message", "typed.txt")).load();
        assertThat(c.get(OutflowKeys.DATA_DIR)).as("default").isEqualTo(home.resolve("data"));
        assertThat(c.get(OutflowKeys.SMTPD_USERS)).as("from the file").isEqualTo(home.resolve("conf/users"));
        assertThat(c.get(OutflowKeys.PLUGINS_DIR)).as("from the environment: as typed").isEqualTo(Path.of("env-plugins"));
        assertThat(c.get(OutflowKeys.BOUNCE_MESSAGE)).as("--set: as typed").isEqualTo(Path.of("typed.txt"));
        assertThat(c.origin("data.dir")).isEqualTo("default");
    }

    @Test
    void kafkaClientSecretsComeFromTheEnvironmentAndAreNeverShown() {
        Config c = new ConfigLoader(dir.resolve("absent.properties"), false,
                Map.of("OUTFLOW_KAFKA_CLIENT_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                        "OUTFLOW_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL"),
                Map.of()).load();
        assertThat(c.kafkaClientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsKey("sasl.jaas.config");
        assertThat(c.origin("kafka.client.sasl.jaas.config")).isEqualTo("env OUTFLOW_KAFKA_CLIENT_SASL_JAAS_CONFIG");
        assertThat(Secrets.shown("kafka.client.sasl.jaas.config", c.raw().get("kafka.client.sasl.jaas.config"))).isEqualTo(Secrets.MASK);
        assertThat(Secrets.shown("kafka.client.security.protocol", "SASL_SSL")).isEqualTo("SASL_SSL");
        assertThat(Secrets.shown("kafka.client.ssl.key.password", "pw")).isEqualTo(Secrets.MASK);
        assertThat(Secrets.shown("kafka.client.ssl.keystore.location", "/etc/ks.p12")).isEqualTo("/etc/ks.p12");
        assertThat(Secrets.shown("smtpd.auth_token", "t")).isEqualTo(Secrets.MASK);
        assertThat(Secrets.shown("schema.registry.url", "https://bob:s3cret@registry.example:8081"))
                .isEqualTo("https://" + Secrets.MASK + "@registry.example:8081");
    }

    private void assertError(String key, String value, String problem) {
        assertThatThrownBy(() -> Config.of(Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(key + ": ")
                .hasMessageContaining(problem);
    }

    private Path write(String text) throws IOException {
        Path f = dir.resolve("outflow.properties");
        Files.writeString(f, text);
        return f;
    }

    /** Rewrites the file with a distinct mtime so the change is seen even within one clock tick. */
    private static void rewrite(Path f, String text, int generation) throws IOException {
        Files.writeString(f, text);
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2030-01-01T00:00:00Z").plusSeconds(generation)));
    }
}

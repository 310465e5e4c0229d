package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code topics create} with {@code topic.min_insync_replicas}: the topic config is set, and a value above the replication factor is refused. */
class TopicsReplicationTest {
    private static final KafkaTestCluster kafka = KafkaTestCluster.get();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    private static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            return new Run(Main.execute(args), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private Run topicsCreate(String prefix, int rf, int minIsr) {
        return run("topics", "create", "--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--set", "topic.outbound_partitions=2", "--set", "topic.partitions=1", "--set", "data.dir=" + dir,
                "--set", "topic.replication_factor=" + rf, "--set", "topic.min_insync_replicas=" + minIsr);
    }

    @Test
    void createdTopicsCarryMinInsyncReplicas() throws Exception {
        String prefix = kafka.uniqueName("isr") + ".";
        Run r = topicsCreate(prefix, 1, 1);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains(prefix + "outbound").contains("replication 1, min.insync.replicas 1");
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, prefix + "outbound");
        var config = kafka.adminClient().describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
        assertThat(config.get("min.insync.replicas").value()).isEqualTo("1");
        assertThat(config.get("min.insync.replicas").isDefault()).isFalse();
    }

    @Test
    void minInsyncReplicasAboveTheReplicationFactorIsABadConfiguration() {
        Run r = topicsCreate(kafka.uniqueName("isrbad") + ".", 1, 2);
        assertThat(r.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("topic.min_insync_replicas: 2 exceeds topic.replication_factor=1");
    }
}

package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shaping rules file with a wrong line stops the worker at start with exit code 2, naming the file and line. */
class ShapingRulesStartTest {
    private static final KafkaTestCluster kafka = KafkaTestCluster.get();

    @TempDir
    Path dir;

    @Test
    void aBadRulesFileStopsTheWorkerNamingTheLine() throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "gmail.com connections=4\n# fine so far\nyahoo.com rate=100/fortnight\n");

        CliRun r = CliRun.of("worker", "--set", "topic.prefix=" + kafka.uniqueName("shapebad") + ".",
                "--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "shaping.rules=" + rules,
                "--set", "data.dir=" + dir, "--set", "plugins.dir=" + dir.resolve("plugins"));

        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("outflow: bad configuration: shaping.rules: " + rules + ":3: ");
    }
}

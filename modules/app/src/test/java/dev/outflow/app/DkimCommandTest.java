package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outflow dkim keygen}, and a key that cannot be used stopping a command at start with exit code 2. */
class DkimCommandTest {
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
            int exit = Main.execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void keygenWritesThePrivateKeyForOwnerOnlyAndPrintsTheRecord() throws Exception {
        Path keys = dir.resolve("dkim");
        Run r = run("dkim", "keygen", "example.com", "s2026", "--algorithm", "ed25519", "--set", "dkim.keys_dir=" + keys);

        assertThat(r.exit()).as(r.err()).isZero();
        Path key = keys.resolve("example.com/s2026.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(r.out()).contains("key written to " + key)
                .containsPattern("s2026\\._domainkey\\.example\\.com\\. 3600 IN TXT \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\"");

        Run again = run("dkim", "keygen", "example.com", "s2026", "--set", "dkim.keys_dir=" + keys);
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("exists");
        Run badAlgorithm = run("dkim", "keygen", "example.com", "s2027", "--algorithm", "dsa", "--set", "dkim.keys_dir=" + keys);
        assertThat(badAlgorithm.exit()).isEqualTo(2);
        assertThat(badAlgorithm.err()).contains("unknown DKIM algorithm 'dsa'");
    }

    @Test
    void aMalformedKeyStopsACommandAtStartNamingTheFile() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("dkim/example.com")).resolve("s1.pem");
        Files.writeString(bad, "not a key\n");

        Run r = run("send", "--from", "a@example.com", "--to", "b@example.org", "--subject", "x", "--body", "y",
                "--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "dkim.keys_dir=" + dir.resolve("dkim"),
                "--set", "data.dir=" + dir, "--set", "plugins.dir=" + dir.resolve("plugins"));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("outflow: bad configuration: dkim.keys_dir: " + bad + ": malformed key: no PEM block");
    }
}

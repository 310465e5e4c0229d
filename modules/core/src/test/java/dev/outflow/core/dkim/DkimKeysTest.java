package dev.outflow.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.dkim.internal.PemKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys from dkim.keys_dir and dkim.keys; every unusable key is a ConfigException naming its file. */
class DkimKeysTest {
    @TempDir
    Path dir;

    private DkimKeys load(Map<String, String> more) {
        var s = new java.util.HashMap<>(more);
        s.put("dkim.keys_dir", dir.toString());
        return DkimKeys.fromConfig(Config.of(s));
    }

    @Test
    void keygenWritesA0600KeyThatLoadsAndARecordToPublish() throws Exception {
        var rsa = DkimKeyGen.generate(dir, "Example.COM", "s1", DkimAlgorithm.RSA_SHA256);
        var ed = DkimKeyGen.generate(dir, "example.com", "e1", DkimAlgorithm.ED25519_SHA256);

        assertThat(rsa.keyFile()).isEqualTo(dir.resolve("example.com/s1.pem"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rsa.keyFile()))).isEqualTo("rw-------");
        assertThat(rsa.recordName()).isEqualTo("s1._domainkey.example.com");
        assertThat(rsa.recordValue()).startsWith("v=DKIM1; k=rsa; p=MIIBIjAN");
        assertThat(ed.recordValue()).matches("v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=");
        assertThat(rsa.zoneLine()).contains("\" \"");              // split into <= 250-character strings
        assertThat(Files.readString(dir.resolve("example.com/s1.dns"))).isEqualTo(rsa.zoneLine() + "\n");

        DkimKeys keys = load(Map.of());
        assertThat(keys.forDomain("example.com")).extracting(DkimKey::selector, DkimKey::algorithm)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("e1", DkimAlgorithm.ED25519_SHA256),
                        org.assertj.core.groups.Tuple.tuple("s1", DkimAlgorithm.RSA_SHA256));
        assertThatThrownBy(() -> DkimKeyGen.generate(dir, "example.com", "s1", DkimAlgorithm.RSA_SHA256))
                .hasMessageContaining("exists");
    }

    @Test
    void aMalformedKeyNamesItsFile() throws Exception {
        Path f = Files.createDirectories(dir.resolve("bad.test")).resolve("s1.pem");
        Files.writeString(f, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> load(Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("dkim.keys_dir: " + f + ": malformed key");
    }

    @Test
    void anUnreadableKeyNamesItsFile() throws Exception {
        Path f = Files.createDirectories(dir.resolve("bad.test").resolve("s1.pem"));   // a folder where a file should be
        assertThatThrownBy(() -> load(Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("dkim.keys_dir: " + f + ": cannot read the key");
    }

    @Test
    void rsaUnder2048BitsIsRefused() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        Path f = Files.createDirectories(dir.resolve("weak.test")).resolve("s1.pem");
        Files.writeString(f, PemKeys.toPem(g.generateKeyPair().getPrivate()));
        assertThatThrownBy(() -> load(Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("RSA key of 1024 bits; at least 2048");
    }

    @Test
    void pkcs1RsaKeysAsOpendkimWritesThemLoad() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] pkcs8 = g.generateKeyPair().getPrivate().getEncoded();
        // PKCS#8 of RSA = 26-byte prefix + OCTET STRING holding the PKCS#1 structure (4-byte header here).
        byte[] pkcs1 = java.util.Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
        Path f = Files.createTempFile("legacy", ".pem");
        Files.writeString(f, "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs1) + "\n-----END RSA PRIVATE KEY-----\n");

        DkimKeys keys = load(Map.of("dkim.keys", "legacy.test:old:" + f));
        Files.delete(f);
        assertThat(keys.forDomain("legacy.test")).singleElement().satisfies(k -> {
            assertThat(k.algorithm()).isEqualTo(DkimAlgorithm.RSA_SHA256);
            assertThat(k.privateKey().getEncoded()).isEqualTo(pkcs8);
        });
    }

    @Test
    void theSameSelectorTwiceAndBadEntriesAreErrors() throws Exception {
        DkimKeyGen.generate(dir, "twice.test", "s1", DkimAlgorithm.ED25519_SHA256);
        assertThatThrownBy(() -> load(Map.of("dkim.keys", "twice.test:s1:twice.test/s1.pem")))
                .hasMessageContaining("selector s1 of twice.test is defined twice");
        assertThatThrownBy(() -> load(Map.of("dkim.keys", "twice.test")))
                .hasMessage("dkim.keys: 'twice.test' is not domain:selector:file");
    }

    @Test
    void aMissingFolderMeansNoKeys() {
        assertThat(DkimKeys.fromConfig(Config.of(Map.of("dkim.keys_dir", dir.resolve("nothing").toString()))).isEmpty()).isTrue();
    }
}

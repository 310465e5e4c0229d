package dev.outflow.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsPolicyMapTest {
    @TempDir
    Path dir;

    @Test
    void exactDomainsWinOverSuffixesAndLongerSuffixesOverShorterOnes() throws IOException {
        Path f = Files.writeString(dir.resolve("map"), "example.com verify\n.example.com encrypt  # subdomains\n.mail.example.com none\nBIG.Example.NET. may\n");
        TlsPolicyMap m = new TlsPolicyMap(f);
        assertThat(m.levelFor("example.com")).isEqualTo(TlsLevel.VERIFY);
        assertThat(m.levelFor("a.example.com")).isEqualTo(TlsLevel.ENCRYPT);
        assertThat(m.levelFor("x.mail.example.com")).isEqualTo(TlsLevel.NONE);
        assertThat(m.levelFor("big.example.net")).isEqualTo(TlsLevel.MAY);
        assertThat(m.levelFor("example.org")).isNull();
    }

    @Test
    void aMissingFileIsAnEmptyMap() {
        assertThat(new TlsPolicyMap(dir.resolve("absent")).levelFor("example.com")).isNull();
    }

    @Test
    void aBadLineIsAnErrorNamingFileAndLine() throws IOException {
        Path f = Files.writeString(dir.resolve("map"), "example.com verify\nexample.org secure\n");
        assertThatThrownBy(() -> new TlsPolicyMap(f)).hasMessageContaining(f + " line 2").hasMessageContaining("'secure' is not a TLS policy");
        Path g = Files.writeString(dir.resolve("map2"), "example.com\n");
        assertThatThrownBy(() -> new TlsPolicyMap(g)).hasMessageContaining("expected 'DOMAIN LEVEL'");
    }

    @Test
    void badTlsKeysStopTheConfigurationNamingTheKey() throws IOException {
        assertThatThrownBy(() -> Config.of(Map.of("tls.policy", "strict"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls.policy").hasMessageContaining("none, may, encrypt or verify");
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        assertThatThrownBy(() -> Config.of(Map.of("tls.ca_file", notPem.toString()))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls.ca_file");
        assertThatThrownBy(() -> Config.of(Map.of("tls.ca_file", dir.resolve("absent.pem").toString()))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read");
    }
}

package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configured PEM certificate and key; errors name the key. */
class SmtpdTlsTest {
    @TempDir
    Path dir;

    @Test
    void configuredPemPairIsServedOverStartTls() throws Exception {
        // Make a pair with the self-signed generator, then configure it as the site's own files.
        SmtpdTls.selfSigned(dir.resolve("gen"), "mail.site.test");
        Path cert = dir.resolve("gen/cert.pem");
        Path key = dir.resolve("gen/key.pem");
        SSLContext ctx = SmtpdTls.serverContext(Config.of(Map.of("smtpd.tls_cert", cert.toString(), "smtpd.tls_key", key.toString(),
                "data.dir", dir.resolve("data").toString())));

        assertThat(ctx).isNotNull();
        assertThat(Files.exists(dir.resolve("data").resolve(SmtpdTls.SELF_SIGNED_DIR))).isFalse();
        try (SmtpFixture f = SmtpFixture.start(dir.resolve("fx"), Map.of("smtpd.tls_cert", cert.toString(), "smtpd.tls_key", key.toString()));
             RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.startTls();
            var peer = ((javax.net.ssl.SSLSocket) c.socket()).getSession().getPeerCertificates()[0];
            assertThat(((java.security.cert.X509Certificate) peer).getSubjectX500Principal().getName()).isEqualTo("CN=mail.site.test");
            assertThat(c.ehloLines()).contains("250-AUTH PLAIN LOGIN");
        }
    }

    @Test
    void certWithoutKeyAndUnreadableFilesFailNamingTheKey() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a pem\n");

        assertThatThrownBy(() -> SmtpdTls.serverContext(Config.of(Map.of("smtpd.tls_cert", garbage.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtpd.tls_key");
        assertThatThrownBy(() -> SmtpdTls.serverContext(Config.of(Map.of("smtpd.tls_cert", garbage.toString(), "smtpd.tls_key", garbage.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtpd.tls_cert");
        assertThatThrownBy(() -> SmtpdTls.serverContext(Config.of(Map.of("smtpd.tls_cert", dir.resolve("missing.pem").toString(),
                "smtpd.tls_key", garbage.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.pem");
    }
}

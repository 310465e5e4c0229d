package dev.outflow.core.mx;

import static dev.outflow.core.mx.MxResults.failed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.testkit.dns.ServfailDnsServer;
import dev.outflow.testkit.dns.SilentDnsServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/** Broken DNS servers on the wire: silence (timeouts) and error answers defer, within dns.timeout. */
class MxResolverDnsFailureTest {

    @Test
    void silentServerTimesOutAsTemporaryFailure() {
        try (SilentDnsServer silent = SilentDnsServer.start()) {
            MxResolver resolver = MxResolver.fromConfig(Config.of(Map.of("dns.servers", silent.server(), "dns.timeout", "300ms")));
            long start = System.nanoTime();
            MxLookupResult.Failed f = failed(resolver.lookup("normal.test"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(f.permanent()).isFalse();
            assertThat(f.code()).isEqualTo(451);
            assertThat(f.enhancedCode()).isEqualTo("4.4.3");
            assertThat(f.message()).contains("timeout");
            assertThat(took).isLessThan(Duration.ofSeconds(3));
            assertThat(silent.queriesReceived()).isEqualTo(1);
        }
    }

    @Test
    void servfailAndRefusedAnswersDefer() {
        try (ServfailDnsServer servfail = ServfailDnsServer.start();
             ServfailDnsServer refused = ServfailDnsServer.start(Rcode.REFUSED)) {
            MxLookupResult.Failed f = failed(MxResolver.fromConfig(Config.of(Map.of("dns.servers", servfail.server()))).lookup("normal.test"));
            assertThat(f.permanent()).isFalse();
            assertThat(f.enhancedCode()).isEqualTo("4.4.3");
            assertThat(f.message()).contains("SERVFAIL");
            MxLookupResult.Failed r = failed(MxResolver.fromConfig(Config.of(Map.of("dns.servers", refused.server()))).lookup("normal.test"));
            assertThat(r.permanent()).isFalse();
            assertThat(r.message()).contains("REFUSED");
        }
    }

    @Test
    void badServerEntriesAreConfigErrors() {
        assertThatThrownBy(() -> MxResolver.fromConfig(Config.of(Map.of("dns.servers", "dns.example.com"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dns.servers")
                .hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> MxResolver.fromConfig(Config.of(Map.of("dns.servers", "127.0.0.1:99999"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("port");
    }
}

package dev.outflow.core.mx;

import static dev.outflow.core.mx.MxResults.failed;
import static dev.outflow.core.mx.MxResults.hosts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.config.Config;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.dns.ServfailDnsServer;
import dev.outflow.testkit.dns.SilentDnsServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MxResolver built from config against a real Knot DNS on 127.0.0.1:5353 serving the test zone. */
class MxResolverKnotTest {
    private static KnotDns knot;
    private static MxResolver resolver;

    @BeforeAll
    static void startKnot() {
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 40; i++) big.append("big MX 10 a-rather-long-exchange-name-without-address-").append(i).append(".test.\n");
        big.append("big MX 50 mx2.test.\n");
        knot = KnotDns.builder()
                .records("custom MX 10 mx11.test.\n" + big)
                .zone("other.", "mail CNAME normal.test.")
                .start();
        resolver = MxResolver.fromConfig(Config.of(Map.of("dns.servers", knot.server(), "dns.timeout", "2s")));
    }

    @AfterAll
    static void stopKnot() {
        if (knot != null) knot.close();
    }

    @Test
    void listensOnTheDefaultPort() {
        assertThat(knot.server()).isEqualTo("127.0.0.1:5353");
    }

    @Test
    void normalTwoAndImplicit() {
        assertThat(hosts(resolver.lookup("normal.test"))).containsExactly("10 mx1.normal.test 127.0.0.2");
        assertThat(hosts(resolver.lookup("two.test"))).containsExactly("10 mx1.two.test 127.0.0.3", "20 mx2.two.test 127.0.0.4");
        assertThat(hosts(resolver.lookup("implicit.test"))).containsExactly("0 implicit.test 127.0.0.5");
        assertThat(hosts(resolver.lookup("d17.test"))).containsExactly("10 mx17.test 127.0.0.17");
    }

    @Test
    void nullMxAndNxdomainBounce() {
        MxLookupResult.Failed nullMx = failed(resolver.lookup("nullmx.test"));
        assertThat(nullMx.permanent()).isTrue();
        assertThat(nullMx.enhancedCode()).isEqualTo("5.1.10");
        MxLookupResult.Failed nx = failed(resolver.lookup("no-such-name.test"));
        assertThat(nx.permanent()).isTrue();
        assertThat(nx.enhancedCode()).isEqualTo("5.1.2");
        assertThat(nx.message()).contains("NXDOMAIN");
        // Outside test. the root zone answers, so no question leaves the machine and nothing is REFUSED.
        assertThat(failed(resolver.lookup("example.com")).message()).contains("NXDOMAIN");
        assertThat(failed(resolver.lookup("nodata.test")).permanent()).isTrue();
    }

    @Test
    void mxWithoutAddressDefers() {
        MxLookupResult.Failed f = failed(resolver.lookup("noaddr.test"));
        assertThat(f.permanent()).isFalse();
        assertThat(f.enhancedCode()).isEqualTo("4.4.3");
        assertThat(hosts(resolver.lookup("partial.test"))).containsExactly("20 mx.partial.test 127.0.0.6");
    }

    @Test
    void cnamesInsideAndAcrossZones() {
        assertThat(hosts(resolver.lookup("alias.test"))).containsExactly("10 mx1.normal.test 127.0.0.2");
        assertThat(hosts(resolver.lookup("cname-mx.test"))).containsExactly("10 mx.cname-mx.test 127.0.0.2");
        assertThat(hosts(resolver.lookup("mail.other"))).containsExactly("10 mx1.normal.test 127.0.0.2");
    }

    @Test
    void extraRecordsGivenAtStart() {
        assertThat(hosts(resolver.lookup("custom.test"))).containsExactly("10 mx11.test 127.0.0.11");
    }

    @Test
    void largeMxSetOverTcpAfterTruncation() {
        assertThat(hosts(resolver.lookup("big.test"))).containsExactly("50 mx2.test 127.0.0.2");
    }

    @Test
    void ipv6FirstFromConfig() {
        MxResolver v6 = MxResolver.fromConfig(Config.of(Map.of("dns.servers", knot.server(), "outbound.ipv6_enabled", "true")));
        assertThat(hosts(v6.lookup("dual.test"))).containsExactly("10 mx.dual.test 0:0:0:0:0:0:0:1,127.0.0.7");
        assertThat(hosts(v6.lookup("xn--bcher-kva.test"))).containsExactly("10 mx1.normal.test 127.0.0.2");
    }

    @Test
    void silentFirstServerFallsOverToTheNext() {
        try (SilentDnsServer silent = SilentDnsServer.start()) {
            MxResolver r = MxResolver.fromConfig(Config.of(Map.of(
                    "dns.servers", silent.server() + "," + knot.server(), "dns.timeout", "1s")));
            assertThat(hosts(r.lookup("normal.test"))).containsExactly("10 mx1.normal.test 127.0.0.2");
            assertThat(silent.queriesReceived()).isPositive();
        }
    }

    @Test
    void servfailFromFirstServerFallsOverToTheNext() {
        try (ServfailDnsServer broken = ServfailDnsServer.start()) {
            MxResolver r = MxResolver.fromConfig(Config.of(Map.of("dns.servers", broken.server() + "," + knot.server())));
            assertThat(hosts(r.lookup("two.test"))).hasSize(2);
            assertThat(broken.queriesReceived()).isPositive();
        }
    }
}

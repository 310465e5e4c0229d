package dev.outflow.core.mx;

import static dev.outflow.core.mx.MxResults.failed;
import static dev.outflow.core.mx.MxResults.hosts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.dns.ZoneResolver;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** MX rules against the shared test zone, answered in memory by {@link ZoneResolver}. */
class MxResolverTest {
    private final ZoneResolver dns = ZoneResolver.testZone();
    private final MutableClock clock = new MutableClock();
    private final MxResolver resolver = new MxResolver(dns, false, clock, Duration.ofMinutes(5));

    @Test
    void findsTheMxAndItsAddress() {
        assertThat(hosts(resolver.lookup("normal.test"))).containsExactly("10 mx1.normal.test 127.0.0.2");
    }

    @Test
    void sortsByPreferenceWhateverOrderDnsGives() {
        assertThat(hosts(resolver.lookup("two.test"))).containsExactly("10 mx1.two.test 127.0.0.3", "20 mx2.two.test 127.0.0.4");
        dns.add("unsorted.test. 60 IN MX 30 mx3.test.")
                .add("unsorted.test. 60 IN MX 5 mx5.test.")
                .add("unsorted.test. 60 IN MX 20 mx2.test.");
        assertThat(hosts(resolver.lookup("unsorted.test")))
                .containsExactly("5 mx5.test 127.0.0.5", "20 mx2.test 127.0.0.2", "30 mx3.test 127.0.0.3");
    }

    @Test
    void shufflesEqualPreferencesButKeepsThemBeforeHigherOnes() {
        dns.add("equal.test. 60 IN MX 20 mx12.test.");
        Set<String> firstHosts = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            List<String> hosts = hosts(resolver.lookup("equal.test"));
            assertThat(hosts).hasSize(3);
            assertThat(hosts.subList(0, 2)).containsExactlyInAnyOrder("10 mx1.equal.test 127.0.0.8", "10 mx2.equal.test 127.0.0.9");
            assertThat(hosts.get(2)).isEqualTo("20 mx12.test 127.0.0.12");
            firstHosts.add(hosts.get(0));
        }
        assertThat(firstHosts).hasSize(2);
        assertThat(dns.queries("equal.test", Type.MX)).as("shuffled from the cache, not re-asked").isEqualTo(1);
    }

    @Test
    void implicitMxFromTheAddressRecord() {
        assertThat(hosts(resolver.lookup("implicit.test"))).containsExactly("0 implicit.test 127.0.0.5");
    }

    @Test
    void nullMxBouncesWith5110() {
        MxLookupResult.Failed f = failed(resolver.lookup("nullmx.test"));
        assertThat(f.permanent()).isTrue();
        assertThat(f.code()).isEqualTo(556);
        assertThat(f.enhancedCode()).isEqualTo("5.1.10");
        assertThat(f.message()).contains("nullmx.test").contains("null MX");
        assertThat(dns.queries("nullmx.test", Type.A)).as("no implicit MX for a null MX").isZero();
    }

    @Test
    void rootTargetInsideALargerMxSetIsSkipped() {
        dns.add("mixed.test. 60 IN MX 0 .").add("mixed.test. 60 IN MX 10 mx4.test.");
        assertThat(hosts(resolver.lookup("mixed.test"))).containsExactly("10 mx4.test 127.0.0.4");
    }

    @Test
    void nxdomainBouncesWith512() {
        MxLookupResult.Failed f = failed(resolver.lookup("no-such-domain.test"));
        assertThat(f.permanent()).isTrue();
        assertThat(f.code()).isEqualTo(550);
        assertThat(f.enhancedCode()).isEqualTo("5.1.2");
        assertThat(f.message()).contains("no-such-domain.test").contains("NXDOMAIN");
    }

    @Test
    void noMxAndNoAddressBounces() {
        MxLookupResult.Failed f = failed(resolver.lookup("nodata.test"));
        assertThat(f.permanent()).isTrue();
        assertThat(f.enhancedCode()).isEqualTo("5.1.2");
        assertThat(f.message()).contains("no MX and no A record");
    }

    @Test
    void servfailDefersWith443() {
        dns.servfail("normal.test");
        MxLookupResult.Failed f = failed(resolver.lookup("normal.test"));
        assertThat(f.permanent()).isFalse();
        assertThat(f.code()).isEqualTo(451);
        assertThat(f.enhancedCode()).isEqualTo("4.4.3");
        assertThat(f.message()).contains("SERVFAIL");
    }

    @Test
    void refusedAndTimeoutDefer() {
        dns.refuse("two.test").timeout("normal.test");
        MxLookupResult.Failed refused = failed(resolver.lookup("two.test"));
        assertThat(refused.permanent()).isFalse();
        assertThat(refused.message()).contains("REFUSED");
        MxLookupResult.Failed timeout = failed(resolver.lookup("normal.test"));
        assertThat(timeout.permanent()).isFalse();
        assertThat(timeout.enhancedCode()).isEqualTo("4.4.3");
        assertThat(timeout.message()).contains("timeout");
    }

    @Test
    void mxWithoutAddressDefersLikePostfix() {
        MxLookupResult.Failed f = failed(resolver.lookup("noaddr.test"));
        assertThat(f.permanent()).isFalse();
        assertThat(f.code()).isEqualTo(451);
        assertThat(f.enhancedCode()).isEqualTo("4.4.3");
        assertThat(f.message()).contains("No MX host of noaddr.test has an address");
    }

    @Test
    void hostsWithoutAddressAreSkipped() {
        assertThat(hosts(resolver.lookup("partial.test"))).containsExactly("20 mx.partial.test 127.0.0.6");
    }

    @Test
    void anExchangeWhoseAddressLookupFailsIsSkippedAndOnlyFailureDefers() {
        dns.servfail("mx1.two.test");
        assertThat(hosts(resolver.lookup("two.test"))).containsExactly("20 mx2.two.test 127.0.0.4");
        dns.servfail("mx2.two.test");
        MxLookupResult.Failed f = failed(resolver(false).lookup("two.test"));
        assertThat(f.permanent()).isFalse();
        assertThat(f.message()).contains("SERVFAIL for mx1.two.test/A");
    }

    @Test
    void ipv6FirstWhenEnabled() {
        MxResolver v6 = resolver(true);
        assertThat(hosts(v6.lookup("dual.test"))).containsExactly("10 mx.dual.test 0:0:0:0:0:0:0:1,127.0.0.7");
    }

    @Test
    void brokenAaaaAnswersFallBackToIpv4AndViceVersa() {
        dns.timeout("mx.dual.test", Type.AAAA);
        assertThat(hosts(resolver(true).lookup("dual.test"))).containsExactly("10 mx.dual.test 127.0.0.7");
        dns.heal("mx.dual.test").servfail("mx.dual.test", Type.A);
        assertThat(hosts(resolver(true).lookup("dual.test"))).containsExactly("10 mx.dual.test 0:0:0:0:0:0:0:1");
    }

    @Test
    void ipv4OnlyWhenIpv6DisabledAndAaaaNeverAsked() {
        assertThat(hosts(resolver.lookup("dual.test"))).containsExactly("10 mx.dual.test 127.0.0.7");
        assertThat(dns.queries("mx.dual.test", Type.AAAA)).isZero();
        assertThat(dns.queries("mx.dual.test", Type.A)).isEqualTo(1);
    }

    @Test
    void ipv6OnlyHosts() {
        dns.add("v6only.test. 60 IN AAAA ::1").add("v6mx.test. 60 IN MX 10 v6only.test.");
        assertThat(hosts(resolver(true).lookup("v6only.test"))).containsExactly("0 v6only.test 0:0:0:0:0:0:0:1");
        assertThat(failed(resolver.lookup("v6only.test")).permanent()).as("no A record and IPv6 off").isTrue();
        assertThat(hosts(resolver(true).lookup("v6mx.test"))).containsExactly("10 v6only.test 0:0:0:0:0:0:0:1");
        assertThat(failed(resolver.lookup("v6mx.test")).permanent()).as("MX host unusable: defer").isFalse();
    }

    @Test
    void followsCnames() {
        assertThat(hosts(resolver.lookup("alias.test"))).containsExactly("10 mx1.normal.test 127.0.0.2");
        assertThat(hosts(resolver.lookup("cname-mx.test"))).containsExactly("10 mx.cname-mx.test 127.0.0.2");
    }

    @Test
    void cnameLoopDefers() {
        dns.add("loop1.test. 60 IN CNAME loop2.test.").add("loop2.test. 60 IN CNAME loop1.test.");
        assertThat(failed(resolver.lookup("loop1.test")).permanent()).isFalse();
    }

    @Test
    void internationalDomainIsAskedAsALabel() {
        assertThat(hosts(resolver.lookup("Bücher.test"))).containsExactly("10 mx1.normal.test 127.0.0.2");
        assertThat(dns.queries("xn--bcher-kva.test", Type.MX)).isEqualTo(1);
    }

    @Test
    void trailingDotAndUpperCaseAreTheSameDomain() {
        assertThat(hosts(resolver.lookup("NORMAL.test."))).containsExactly("10 mx1.normal.test 127.0.0.2");
        assertThat(hosts(resolver.lookup("normal.test"))).hasSize(1);
        assertThat(dns.queries("normal.test", Type.MX)).isEqualTo(1);
    }

    @Test
    void domainLiteralNeedsNoDns() {
        assertThat(hosts(resolver.lookup("[127.0.0.9]"))).containsExactly("0 127.0.0.9 127.0.0.9");
        assertThat(hosts(resolver.lookup("[IPv6:::1]"))).containsExactly("0 0:0:0:0:0:0:0:1 0:0:0:0:0:0:0:1");
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void badDomainBouncesWithoutAsking() {
        MxLookupResult.Failed f = failed(resolver.lookup("bad_domain.test"));
        assertThat(f.permanent()).isTrue();
        assertThat(f.enhancedCode()).isEqualTo("5.1.2");
        assertThat(failed(resolver.lookup("")).permanent()).isTrue();
        assertThat(failed(resolver.lookup(null)).permanent()).isTrue();
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void ipLiteralMxTargetNeedsNoAddressLookup() {
        dns.add("literal.test. 60 IN MX 10 127.0.0.11.");
        assertThat(hosts(resolver.lookup("literal.test"))).containsExactly("10 127.0.0.11 127.0.0.11");
        assertThat(dns.queries("127.0.0.11", Type.A)).isZero();
    }

    private MxResolver resolver(boolean ipv6) {
        return new MxResolver(dns, ipv6, clock, Duration.ofMinutes(5));
    }
}

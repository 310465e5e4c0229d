package dev.outflow.core.mx;

import static dev.outflow.core.mx.MxResults.failed;
import static dev.outflow.core.mx.MxResults.hosts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.dns.ZoneResolver;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Routes given by a get_mx hook: host names resolved, literals kept, order and options kept. */
class MxResolverRoutesTest {
    private final ZoneResolver dns = ZoneResolver.testZone();
    private final MxResolver resolver = new MxResolver(dns, false, new MutableClock(), Duration.ofMinutes(5));

    @Test
    void resolvesHostNamesAndKeepsOrderPortsAndOptions() {
        MxRoute lmtp = new MxRoute(50, "mx3.test", 24, "127.0.0.1", true);
        MxLookupResult r = resolver.resolve(List.of(MxRoute.parse("mx9.test:2525"), MxRoute.parse("192.0.2.9"), lmtp));
        assertThat(hosts(r)).containsExactly("0 mx9.test 127.0.0.9", "0 192.0.2.9 192.0.2.9", "50 mx3.test 127.0.0.3");
        List<MxHost> hosts = ((MxLookupResult.Found) r).hosts();
        assertThat(hosts.get(0).route().port()).isEqualTo(2525);
        assertThat(hosts.get(2).route()).isSameAs(lmtp);
    }

    @Test
    void keepsGivenOrderEvenAgainstPriorities() {
        MxLookupResult r = resolver.resolve(List.of(MxRoute.of(20, "mx4.test"), MxRoute.of(10, "mx5.test")));
        assertThat(hosts(r)).containsExactly("20 mx4.test 127.0.0.4", "10 mx5.test 127.0.0.5");
    }

    @Test
    void ipv6LiteralRouteNeedsNoDns() {
        assertThat(hosts(resolver.resolve(List.of(MxRoute.parse("[::1]:2525"))))).containsExactly("0 ::1 0:0:0:0:0:0:0:1");
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void localhostIsLoopbackWithoutDns() {
        assertThat(hosts(resolver.resolve(List.of(MxRoute.parse("localhost:2525"))))).containsExactly("0 localhost 127.0.0.1");
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void unresolvableRoutesAreSkipped() {
        MxLookupResult r = resolver.resolve(List.of(MxRoute.parse("nowhere.test"), MxRoute.parse("bad_name"), MxRoute.parse("mx6.test")));
        assertThat(hosts(r)).containsExactly("0 mx6.test 127.0.0.6");
    }

    @Test
    void noUsableRouteDefers() {
        dns.servfail("mx7.test");
        MxLookupResult.Failed f = failed(resolver.resolve(List.of(MxRoute.parse("nowhere.test"), MxRoute.parse("mx7.test"))));
        assertThat(f.permanent()).isFalse();
        assertThat(f.enhancedCode()).isEqualTo("4.4.3");
        assertThat(f.message()).contains("nowhere.test, mx7.test").contains("SERVFAIL");
        assertThat(failed(resolver.resolve(List.of())).permanent()).isFalse();
    }
}

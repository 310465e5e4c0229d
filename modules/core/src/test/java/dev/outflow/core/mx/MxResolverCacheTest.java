package dev.outflow.core.mx;

import static dev.outflow.core.mx.MxResults.failed;
import static dev.outflow.core.mx.MxResults.hosts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.dns.ZoneResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** Cache lifetimes on a hand-moved clock, and one query for many concurrent lookups. */
class MxResolverCacheTest {
    private final ZoneResolver dns = ZoneResolver.testZone();
    private final MutableClock clock = new MutableClock();

    @Test
    void positiveAnswersLiveForTheirTtl() {
        MxResolver resolver = new MxResolver(dns, false, clock, Duration.ofMinutes(5));
        resolver.lookup("normal.test");
        clock.advance(Duration.ofSeconds(59));
        resolver.lookup("normal.test");
        assertThat(dns.queries("normal.test", Type.MX)).isEqualTo(1);
        assertThat(dns.queries("mx1.normal.test", Type.A)).isEqualTo(1);

        clock.advance(Duration.ofSeconds(2)); // the zone's TTL is 60 s
        dns.remove("mx1.normal.test", Type.A).add("mx1.normal.test. 60 IN A 127.0.0.19");
        assertThat(hosts(resolver.lookup("normal.test"))).containsExactly("10 mx1.normal.test 127.0.0.19");
        assertThat(dns.queries("normal.test", Type.MX)).isEqualTo(2);
    }

    @Test
    void maxTtlCapsLongTtls() {
        dns.add("long.test. 86400 IN MX 10 mx7.test.");
        MxResolver resolver = new MxResolver(dns, false, clock, Duration.ofSeconds(30));
        resolver.lookup("long.test");
        clock.advance(Duration.ofSeconds(29));
        resolver.lookup("long.test");
        assertThat(dns.queries("long.test", Type.MX)).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        resolver.lookup("long.test");
        assertThat(dns.queries("long.test", Type.MX)).isEqualTo(2);
    }

    @Test
    void nxdomainIsCachedForTheSoaMinimum() {
        MxResolver resolver = new MxResolver(dns, false, clock, Duration.ofMinutes(5));
        resolver.lookup("gone.test");
        dns.add("gone.test. 60 IN MX 10 mx2.test.");
        clock.advance(Duration.ofSeconds(29)); // SOA minimum of the test zone: 30 s
        assertThat(failed(resolver.lookup("gone.test")).permanent()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(hosts(resolver.lookup("gone.test"))).containsExactly("10 mx2.test 127.0.0.2");
        assertThat(dns.queries("gone.test", Type.MX)).isEqualTo(2);
    }

    @Test
    void temporaryFailuresAreRememberedBriefly() {
        MxResolver resolver = new MxResolver(dns, false, clock, Duration.ofMinutes(5), Duration.ofSeconds(10));
        dns.servfail("normal.test");
        assertThat(failed(resolver.lookup("normal.test")).permanent()).isFalse();
        dns.heal("normal.test");
        clock.advance(Duration.ofSeconds(9));
        assertThat(failed(resolver.lookup("normal.test")).permanent()).isFalse();
        assertThat(dns.queries("normal.test", Type.MX)).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        assertThat(hosts(resolver.lookup("normal.test"))).hasSize(1);
    }

    @Test
    void zeroMaxTtlDisablesTheCache() {
        MxResolver resolver = new MxResolver(dns, false, clock, Duration.ZERO);
        resolver.lookup("normal.test");
        resolver.lookup("normal.test");
        resolver.lookup("nosuch.test");
        resolver.lookup("nosuch.test");
        assertThat(dns.queries("normal.test", Type.MX)).isEqualTo(2);
        assertThat(dns.queries("nosuch.test", Type.MX)).isEqualTo(2);
    }

    @Test
    void addressAnswersAreSharedBetweenMxLookupsAndRoutes() {
        MxResolver resolver = new MxResolver(dns, false, clock, Duration.ofMinutes(5));
        resolver.lookup("normal.test");
        resolver.resolve(List.of(MxRoute.parse("mx1.normal.test:2525")));
        assertThat(dns.queries("mx1.normal.test", Type.A)).isEqualTo(1);
    }

    @Test
    void concurrentLookupsShareOneQuery() throws Exception {
        MxResolver resolver = new MxResolver(dns, true, clock, Duration.ofMinutes(5));
        dns.holdAnswers();
        ConcurrentLinkedQueue<MxLookupResult> results = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            threads.add(Thread.ofVirtual().start(() -> results.add(resolver.lookup("two.test"))));
        }
        // Every thread is parked on the one pending MX question.
        await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        assertThat(dns.queries("two.test", Type.MX)).isEqualTo(1);
        assertThat(dns.heldAnswers()).isEqualTo(1);

        dns.releaseHeldAnswers(); // the MX answer; the address questions now go out (once per host and type)
        await().atMost(Duration.ofSeconds(10)).until(() -> dns.heldAnswers() == 4);
        dns.releaseAnswers();
        for (Thread t : threads) t.join(Duration.ofSeconds(10));

        assertThat(results).hasSize(50).allSatisfy(r -> assertThat(hosts(r)).hasSize(2));
        assertThat(dns.queries("mx1.two.test", Type.A)).isEqualTo(1);
        assertThat(dns.queries("mx1.two.test", Type.AAAA)).isEqualTo(1);
        assertThat(dns.totalQueries()).isEqualTo(5);
    }
}

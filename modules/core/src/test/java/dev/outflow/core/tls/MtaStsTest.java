package dev.outflow.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.dns.ZoneResolver;
import dev.outflow.testkit.smtp.TestCa;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** Policy discovery, caching per max_age and refresh on a new TXT id, against a local HTTPS server. */
class MtaStsTest {
    static final TestCa CA = new TestCa();
    final Map<String, String[]> responses = new ConcurrentHashMap<>(); // host -> {status, content type, body}
    final AtomicInteger fetches = new AtomicInteger();
    final MutableClock clock = new MutableClock();
    ZoneResolver zone;
    HttpsServer https;
    MtaSts sts;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        zone = new ZoneResolver(ZoneResolver.zone("d.test.", "_mta-sts TXT \"v=STSv1; id=one\"", "mta-sts A 127.0.0.1"));
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(CA.serverContext("mta-sts.d.test")));
        https.createContext("/", ex -> {
            fetches.incrementAndGet();
            String[] r = responses.get(ex.getRequestHeaders().getFirst("Host"));
            byte[] body = r[2].getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", r[1]);
            if (r[0].equals("302")) ex.getResponseHeaders().set("Location", "https://mta-sts.d.test/other");
            ex.sendResponseHeaders(Integer.parseInt(r[0]), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        https.start();
        sts = new MtaSts(zone, TlsTrust.fromPem(CA.writePem(dir.resolve("ca.pem"))), https.getAddress().getPort(), Duration.ofSeconds(10), clock);
    }

    @AfterEach
    void stop() {
        https.stop(0);
    }

    private void serve(String status, String type, String body) {
        responses.put("mta-sts.d.test", new String[] {status, type, body});
    }

    private static String policy(String mx, long maxAge) {
        return "version: STSv1\nmode: enforce\nmx: " + mx + "\nmax_age: " + maxAge + "\n";
    }

    @Test
    void aPolicyIsCachedForMaxAgeAndFetchedAgainWhenTheTxtIdChanges() {
        serve("200", "text/plain", policy("mx1.d.test", 3600));
        assertThat(sts.policyFor("d.test").policy().mx()).containsExactly("mx1.d.test");
        assertThat(sts.policyFor("d.test").id()).isEqualTo("one");
        assertThat(fetches.get()).isEqualTo(1);

        zone.remove("_mta-sts.d.test.", Type.TXT).add("_mta-sts.d.test. 60 IN TXT \"v=STSv1; id=two\"");
        serve("200", "text/plain", policy("mx2.d.test", 3600));
        clock.advance(Duration.ofSeconds(61)); // past the TXT record's TTL
        MtaSts.Found f = sts.policyFor("d.test");
        assertThat(f.id()).isEqualTo("two");
        assertThat(f.policy().mx()).containsExactly("mx2.d.test");
        assertThat(fetches.get()).isEqualTo(2);

        // the TXT record goes away: the cached policy holds until max_age
        zone.remove("_mta-sts.d.test.", Type.TXT);
        clock.advance(Duration.ofSeconds(61));
        assertThat(sts.policyFor("d.test").policy().mx()).containsExactly("mx2.d.test");
        clock.advance(Duration.ofHours(1));
        assertThat(sts.policyFor("d.test")).isNull();
        assertThat(fetches.get()).isEqualTo(2);
    }

    @Test
    void redirectsWrongContentTypesAndOversizedPoliciesAreNotPolicies() {
        serve("302", "text/plain", "");
        assertThat(sts.policyFor("d.test")).isNull();
        clock.advance(MtaSts.FAILURE_QUIET);
        serve("200", "text/html", policy("mx1.d.test", 3600));
        assertThat(sts.policyFor("d.test")).isNull();
        clock.advance(MtaSts.FAILURE_QUIET);
        serve("200", "text/plain", policy("mx1.d.test", 3600) + "x: " + "y".repeat(MtaSts.MAX_BODY) + "\n");
        assertThat(sts.policyFor("d.test")).isNull();
        clock.advance(MtaSts.FAILURE_QUIET);
        serve("200", "text/plain", "version: STSv1\nmode: enforce\nmax_age: 60\n"); // no mx
        assertThat(sts.policyFor("d.test")).isNull();
        assertThat(fetches.get()).isEqualTo(4);
        clock.advance(MtaSts.FAILURE_QUIET);
        serve("200", "text/plain", policy("mx1.d.test", 3600));
        assertThat(sts.policyFor("d.test")).isNotNull();
    }

    @Test
    void aFailedFetchIsNotRepeatedForEveryDelivery() {
        serve("500", "text/plain", "");
        assertThat(sts.policyFor("d.test")).isNull();
        serve("200", "text/plain", policy("mx1.d.test", 3600));
        assertThat(sts.policyFor("d.test")).isNull();
        assertThat(fetches.get()).isEqualTo(1);
        clock.advance(MtaSts.FAILURE_QUIET);
        assertThat(sts.policyFor("d.test")).isNotNull();
        assertThat(fetches.get()).isEqualTo(2);
    }

    @Test
    void aCertificateNotValidForThePolicyHostMeansNoPolicy() throws IOException {
        MtaSts untrusting = new MtaSts(zone, TlsTrust.fromPem(new TestCa().writePem(dir.resolve("other.pem"))), https.getAddress().getPort(),
                Duration.ofSeconds(10), clock);
        serve("200", "text/plain", policy("mx1.d.test", 3600));
        assertThat(untrusting.policyFor("d.test")).isNull();
        assertThat(fetches.get()).isZero();
    }

    @Test
    void policyTextIsParsedPerRfc8461() {
        MtaStsPolicy p = MtaStsPolicy.parse("version: STSv1\r\nmode: testing\r\nmx: MX1.example.com\r\nmx: *.example.net\r\nmax_age: 99999999999\r\nextension: x\r\n");
        assertThat(p.mode()).isEqualTo(MtaStsPolicy.Mode.TESTING);
        assertThat(p.maxAge()).isEqualTo(Duration.ofSeconds(MtaStsPolicy.MAX_AGE_LIMIT));
        assertThat(p.matches("mx1.example.com.")).isTrue();
        assertThat(p.matches("a.example.net")).isTrue();
        assertThat(p.matches("a.b.example.net")).isFalse();
        assertThat(p.matches("example.net")).isFalse();
        for (String bad : List.of("mode: enforce\nmx: a\nmax_age: 1\n", "version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n",
                "version: STSv1\nmode: enforce\nmx: a.*.b\nmax_age: 1\n", "version: STSv1\nmode: enforce\nmx: a\n")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> MtaStsPolicy.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

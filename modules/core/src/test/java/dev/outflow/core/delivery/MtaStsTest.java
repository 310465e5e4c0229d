package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.outflow.core.config.Config;
import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.TestCa;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * MTA-STS end to end on loopback: the _mta-sts TXT records come from a real DNS server (knot), the
 * policies from a local HTTPS server whose certificate a test CA issued (passed as tls.ca_file),
 * and the MX is a FakeMx offering STARTTLS with a certificate of that CA.
 */
class MtaStsTest {
    static final TestCa CA = new TestCa();
    static final Map<String, String> POLICIES = new ConcurrentHashMap<>();
    static final AtomicInteger FETCHES = new AtomicInteger();
    static KnotDns dns;
    static HttpsServer https;
    static Path caFile;

    @BeforeAll
    static void start() throws IOException {
        String[] domains = {"enforce", "nomatch", "wrongcert", "testing"};
        StringBuilder zone = new StringBuilder();
        String[] names = new String[domains.length];
        for (int i = 0; i < domains.length; i++) {
            String d = domains[i] + ".sts";
            zone.append("_mta-sts.").append(d).append(" TXT \"v=STSv1; id=20260101T000000\"\n");
            zone.append("mta-sts.").append(d).append(" A 127.0.0.1\n");
            names[i] = "mta-sts." + d + ".test";
        }
        POLICIES.put("mta-sts.enforce.sts.test", policy("enforce", "mx.enforce.sts.test"));
        POLICIES.put("mta-sts.nomatch.sts.test", policy("enforce", "*.elsewhere.test"));
        POLICIES.put("mta-sts.wrongcert.sts.test", policy("enforce", "mx.wrongcert.sts.test"));
        POLICIES.put("mta-sts.testing.sts.test", policy("testing", "*.elsewhere.test"));
        dns = KnotDns.builder().freePort().records(zone.toString()).start();
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(CA.serverContext(names)));
        https.createContext("/.well-known/mta-sts.txt", ex -> {
            FETCHES.incrementAndGet();
            String host = ex.getRequestHeaders().getFirst("Host");
            String body = POLICIES.get(host);
            byte[] bytes = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        https.start();
        caFile = CA.writePem(Files.createTempFile("mta-sts-ca", ".pem"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (https != null) https.stop(0);
        if (dns != null) dns.close();
        if (caFile != null) Files.deleteIfExists(caFile);
    }

    private static String policy(String mode, String mx) {
        return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: 86400\r\n";
    }

    private static Config stsConfig() {
        return config("mta_sts.enabled", "true", "mta_sts.https_port", Integer.toString(https.getAddress().getPort()),
                "dns.servers", dns.server(), "tls.ca_file", caFile.toString());
    }

    private static Deliverer deliverer(String domain, String mxName, FakeMx mx) {
        Config c = stsConfig();
        return new Deliverer(() -> c, PluginChain.empty(), StaticMxLookup.of(domain, host(10, mxName, mx)), Clock.systemUTC());
    }

    @Test
    void enforceWithAMatchingMxAndAValidCertificateDeliversVerified() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls(CA.serverContext("mx.enforce.sts.test")).start();
             Deliverer d = deliverer("enforce.sts.test", "mx.enforce.sts.test", mx)) {
            DeliveryResult r = d.deliver(delivery(List.of("a@enforce.sts.test")));

            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.tls()).isTrue();
            assertThat(r.tlsPolicy()).isEqualTo("mta-sts/enforce");
            assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());

            // the policy is cached for max_age while the TXT id stays the same
            int fetches = FETCHES.get();
            assertThat(d.deliver(delivery(List.of("b@enforce.sts.test"))).with(Status.DELIVERED)).hasSize(1);
            assertThat(FETCHES.get()).isEqualTo(fetches);
        }
    }

    @Test
    void enforceWithAnMxThatDoesNotMatchThePolicyDefersWithoutConnecting() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls(CA.serverContext("mx.nomatch.sts.test")).start();
             Deliverer d = deliverer("nomatch.sts.test", "mx.nomatch.sts.test", mx)) {
            DeliveryResult r = d.deliver(delivery(List.of("a@nomatch.sts.test")));

            assertThat(r.with(Status.DEFERRED)).singleElement().satisfies(rr -> assertThat(rr.response())
                    .contains("MX mx.nomatch.sts.test does not match the MTA-STS policy of nomatch.sts.test (mode enforce, mx *.elsewhere.test)"));
            assertThat(r.tlsPolicy()).isEqualTo("mta-sts/enforce");
            assertThat(mx.connections()).isZero();
        }
    }

    @Test
    void enforceWithACertificateForAnotherNameDefersAndNeverFallsBackToPlaintext() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls(CA.serverContext("somewhere.else.test")).start();
             Deliverer d = deliverer("wrongcert.sts.test", "mx.wrongcert.sts.test", mx)) {
            DeliveryResult r = d.deliver(delivery(List.of("a@wrongcert.sts.test")));

            assertThat(r.with(Status.DEFERRED)).singleElement()
                    .satisfies(rr -> assertThat(rr.response()).contains("TLS handshake").contains("(TLS policy verify)"));
            assertThat(mx.connections()).isEqualTo(1);
            assertThat(mx.received()).isEmpty();
        }
    }

    @Test
    void testingDeliversToANonMatchingMxAndLogsIt() {
        Logger attemptLog = (Logger) LoggerFactory.getLogger(Attempt.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        attemptLog.addAppender(logged);
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls().start(); // self-signed for fake.mx: not verified
             Deliverer d = deliverer("testing.sts.test", "mx.testing.sts.test", mx)) {
            DeliveryResult r = d.deliver(delivery(List.of("a@testing.sts.test")));

            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.tls()).isTrue();
            assertThat(r.tlsPolicy()).isEqualTo("mta-sts/testing");
            assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m).contains("MX mx.testing.sts.test does not match the MTA-STS policy of testing.sts.test (mode testing")
                            .contains("delivering anyway"));
        } finally {
            attemptLog.detachAppender(logged);
        }
    }

    @Test
    void aDomainWithoutAnMtaStsRecordKeepsTheDefaultPolicy() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer("nosts.test", "mx.nosts.test", mx)) {
            DeliveryResult r = d.deliver(delivery(List.of("a@nosts.test")));
            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.tlsPolicy()).isEqualTo("may");
        }
    }
}

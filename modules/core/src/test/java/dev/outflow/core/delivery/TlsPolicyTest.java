package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.config.Config;
import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.TestCa;
import dev.outflow.testkit.smtp.Transcript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tls.policy and tls.policy_map on real sockets: required policies (encrypt, verify) never send
 * mail in plaintext and defer naming the policy; verify checks the certificate against tls.ca_file
 * and the MX name; may keeps the opportunistic behaviour.
 */
class TlsPolicyTest {
    static final TestCa CA = new TestCa();

    @TempDir
    Path dir;

    private Deliverer deliverer(Config c, FakeMx mx, String mxName) {
        return new Deliverer(() -> c, PluginChain.empty(), StaticMxLookup.of("example.com", host(10, mxName, mx)), Clock.systemUTC());
    }

    @Test
    void encryptAgainstAnMxWithoutStartTlsDefersNamingThePolicyAndSendsNothingInPlaintext() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(config("tls.policy", "encrypt"), mx, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.with(Status.DEFERRED)).singleElement().satisfies(rr -> {
                assertThat(rr.response()).contains("does not offer STARTTLS").contains("TLS policy encrypt requires TLS");
                assertThat(rr.enhancedCode()).isEqualTo("4.7.10");
            });
            assertThat(r.tlsPolicy()).isEqualTo("encrypt");
            assertThat(mx.connections()).isEqualTo(1);
            assertThat(mx.transcript(1).commands()).noneMatch(c -> c.startsWith("MAIL"));
            assertThat(mx.received()).isEmpty();
        }
    }

    @Test
    void encryptAfterAFailedHandshakeDoesNotRetryInPlaintext() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").brokenTls().start();
             Deliverer d = deliverer(config("tls.policy", "encrypt"), mx, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.with(Status.DEFERRED)).singleElement()
                    .satisfies(rr -> assertThat(rr.response()).contains("TLS handshake").contains("(TLS policy encrypt)"));
            assertThat(mx.connections()).isEqualTo(1);
            assertThat(mx.received()).isEmpty();
        }
    }

    @Test
    void encryptAcceptsAnyCertificate() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls().start(); // self-signed, for fake.mx
             Deliverer d = deliverer(config("tls.policy", "encrypt"), mx, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.tls()).isTrue();
            assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
        }
    }

    @Test
    void verifyWithACertificateValidForTheMxNameDelivers() throws IOException {
        Path ca = CA.writePem(dir.resolve("ca.pem"));
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls(CA.serverContext("mx.example.com")).start();
             Deliverer d = deliverer(config("tls.policy", "verify", "tls.ca_file", ca.toString()), mx, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.tls()).isTrue();
            assertThat(r.tlsPolicy()).isEqualTo("verify");
            assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
        }
    }

    @Test
    void verifyRefusesACertificateForAnotherNameAndOneFromAnUntrustedCa() throws IOException {
        Path ca = CA.writePem(dir.resolve("ca.pem"));
        Config c = config("tls.policy", "verify", "tls.ca_file", ca.toString());
        try (FakeMx wrongName = FakeMx.builder().bind("127.0.0.2").starttls(CA.serverContext("other.example.net")).start();
             Deliverer d = deliverer(c, wrongName, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.with(Status.DEFERRED)).singleElement()
                    .satisfies(rr -> assertThat(rr.response()).contains("TLS handshake").contains("(TLS policy verify)"));
            assertThat(wrongName.connections()).isEqualTo(1);
            assertThat(wrongName.received()).isEmpty();
        }
        try (FakeMx untrusted = FakeMx.builder().bind("127.0.0.2").starttls(new TestCa().serverContext("mx.example.com")).start();
             Deliverer d = deliverer(c, untrusted, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.with(Status.DEFERRED)).hasSize(1);
            assertThat(untrusted.received()).isEmpty();
        }
    }

    @Test
    void aVerifiedConnectionIsNotReusedForAnotherMxNameOnTheSameAddress() throws IOException {
        Path ca = CA.writePem(dir.resolve("ca.pem"));
        Config c = config("tls.policy", "verify", "tls.ca_file", ca.toString());
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls(CA.serverContext("mx.example.com")).start();
             Deliverer d = new Deliverer(() -> c, PluginChain.empty(), StaticMxLookup.of("example.com", host(10, "mx.example.com", mx))
                     .domain("example.org", host(10, "mx.example.org", mx)), Clock.systemUTC())) {
            assertThat(d.deliver(delivery(List.of("a@example.com"))).with(Status.DELIVERED)).hasSize(1);

            DeliveryResult other = d.deliver(delivery(List.of("b@example.org")));

            assertThat(other.with(Status.DEFERRED)).singleElement()
                    .satisfies(rr -> assertThat(rr.response()).contains("(TLS policy verify)"));
            assertThat(mx.connections()).isEqualTo(2);
            assertThat(mx.received()).hasSize(1);
        }
    }

    @Test
    void mayKeepsTheOpportunisticBehaviour() {
        try (FakeMx plain = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(config(), plain, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));
            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.tls()).isFalse();
            assertThat(r.tlsPolicy()).isEqualTo("may");
        }
        try (FakeMx broken = FakeMx.builder().bind("127.0.0.2").brokenTls().start();
             Deliverer d = deliverer(config("tls.policy", "may"), broken, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));
            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(broken.connections()).isEqualTo(2); // the plaintext retry
        }
    }

    @Test
    void noneNeverSendsStartTls() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls().start();
             Deliverer d = deliverer(config("tls.policy", "none"), mx, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));
            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(mx.transcript(1).commands()).doesNotContain("STARTTLS");
        }
    }

    @Test
    void thePolicyMapOverridesTheDefaultPerDomainAndIsReReadWhenItChanges() throws IOException {
        Path map = dir.resolve("tls_policy");
        Files.writeString(map, "# per-destination policies\nexample.com encrypt\n.example.org none\n");
        Files.setLastModifiedTime(map, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        Config c = config("tls.policy_map", map.toString());
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(c, mx, "mx.example.com")) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));
            assertThat(r.with(Status.DEFERRED)).singleElement()
                    .satisfies(rr -> assertThat(rr.response()).contains("TLS policy encrypt requires TLS"));
            assertThat(mx.received()).isEmpty();

            Files.writeString(map, "example.com may\n");
            Files.setLastModifiedTime(map, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));
            DeliveryResult again = d.deliver(delivery(List.of("a@example.com")));
            assertThat(again.with(Status.DELIVERED)).hasSize(1);
            assertThat(again.tlsPolicy()).isEqualTo("may");
            assertThat(mx.received()).hasSize(1);
        }
    }

    @Test
    void aBrokenPolicyMapEditKeepsThePreviousVersion() throws IOException {
        Path map = dir.resolve("tls_policy");
        Files.writeString(map, "example.com encrypt\n");
        Files.setLastModifiedTime(map, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(config("tls.policy_map", map.toString()), mx, "mx.example.com")) {
            assertThat(d.deliver(delivery(List.of("a@example.com"))).with(Status.DEFERRED)).hasSize(1);
            Files.writeString(map, "example.com maybe\n");
            Files.setLastModifiedTime(map, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));
            assertThat(r.with(Status.DEFERRED)).hasSize(1);
            assertThat(r.tlsPolicy()).isEqualTo("encrypt");
            assertThat(mx.received()).isEmpty();
            assertThat(mx.transcripts()).allSatisfy((Transcript t) -> assertThat(t.commands()).noneMatch(cmd -> cmd.startsWith("MAIL")));
        }
    }
}

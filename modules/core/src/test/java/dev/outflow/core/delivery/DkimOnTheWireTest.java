package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.bounce.BounceBuilder;
import dev.outflow.core.config.Config;
import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.dkim.DkimAlgorithm;
import dev.outflow.core.dkim.DkimKeyGen;
import dev.outflow.core.dkim.Dkimpy;
import dev.outflow.core.hooks.BounceError;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.IntakeRequest;
import dev.outflow.core.intake.IntakeResult;
import dev.outflow.core.intake.Origin;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail signed at intake arrives at a real SMTP server with signatures that dkimpy (an independent
 * implementation) verifies against keys published in a real DNS server (knot): an RSA and an
 * Ed25519 signature for the author domain, the same bytes on a retry, and DSNs signed with the
 * key of {@code me}'s parent domain. A changed Subject fails, which shows the verifier verifies.
 */
class DkimOnTheWireTest {
    @TempDir
    static Path keys;
    static KnotDns dns;
    static Config config;

    @BeforeAll
    static void keysAndDns() throws Exception {
        var rsa = DkimKeyGen.generate(keys, "signer.test", "s2048", DkimAlgorithm.RSA_SHA256);
        var ed = DkimKeyGen.generate(keys, "signer.test", "ed1", DkimAlgorithm.ED25519_SHA256);
        var me = DkimKeyGen.generate(keys, "outflow.test", "bounces", DkimAlgorithm.RSA_SHA256);
        dns = KnotDns.builder().freePort().records(rsa.zoneLine()).records(ed.zoneLine()).records(me.zoneLine()).start();
        config = Fixtures.config("me", "mx.outflow.test", "dkim.keys_dir", keys.toString());
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) dns.close();
    }

    @Test
    void bothSignaturesVerifyAfterSmtpAndStayValidOnARetry() throws Exception {
        byte[] message = ("From: \"Alice Example\" <alice@signer.test>\r\nTo: bob@example.com\r\nSubject:  A  signed\r\n  message\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\nHello Bob,   \r\n\r\nthis line has trailing blanks \t\r\n.dot first\r\n\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        Delivery part = accept(message);

        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = new Deliverer(() -> config, PluginChain.empty(), StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)),
                     Clock.systemUTC())) {
            assertThat(d.deliver(part).with(Status.DELIVERED)).hasSize(1);
            Delivery retry = new Delivery(part.id(), part.mailFrom(), part.recipients(), part.domain(), part.contents(), part.queuedAt(),
                    1, part.notes(), null, "451 try later");
            assertThat(d.deliver(retry).with(Status.DELIVERED)).hasSize(1);

            assertThat(mx.received()).hasSize(2);
            for (var received : mx.received()) {
                Dkimpy.Verdict v = Dkimpy.verify(received.data(), "127.0.0.1", dns.port());
                assertThat(v.allPass()).as(v.output()).isTrue();
                assertThat(v.output()).contains("pass rsa-sha256 signer.test").contains("pass ed25519-sha256 signer.test");
            }
            byte[] tampered = mx.received().get(0).text().replace("A  signed", "B signed").getBytes(StandardCharsets.UTF_8);
            Dkimpy.Verdict bad = Dkimpy.verify(tampered, "127.0.0.1", dns.port());
            assertThat(bad.allPass()).as(bad.output()).isFalse();
            assertThat(bad.output()).contains("0 fail").contains("1 fail");
        }
    }

    @Test
    void aDsnIsSignedWithTheKeyOfMesDomain() throws Exception {
        Delivery original = accept("From: alice@signer.test\r\nTo: bob@example.com\r\nSubject: will bounce\r\n\r\nHi\r\n"
                .getBytes(StandardCharsets.UTF_8));
        BounceBuilder bounces = BounceBuilder.fromConfig(config, Clock.systemUTC());
        Delivery dsn = bounces.build(original, new BounceError("550 no such user", MxRoute.of(10, "mx.example.com"), List.of(),
                List.of(RecipientResult.of("bob@example.com", 550, "5.1.1", "no such user"))));

        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = new Deliverer(() -> config, PluginChain.empty(), StaticMxLookup.of("signer.test", host(10, "mx.signer.test", mx)),
                     Clock.systemUTC())) {
            assertThat(d.deliver(dsn).with(Status.DELIVERED)).hasSize(1);
            byte[] received = mx.received().get(0).data();
            assertThat(new String(received, StandardCharsets.UTF_8)).startsWith("DKIM-Signature:").contains("d=outflow.test; s=bounces;");
            Dkimpy.Verdict v = Dkimpy.verify(received, "127.0.0.1", dns.port());
            assertThat(v.allPass()).as(v.output()).isTrue();
            assertThat(v.output()).contains("0 pass rsa-sha256 outflow.test");
        }
    }

    private static Delivery accept(byte[] message) {
        Intake intake = new Intake(config, PluginChain.empty(), Clock.systemUTC());
        IntakeResult r = intake.submit(new IntakeRequest(null, "alice@signer.test", List.of("bob@example.com"), message, Map.of(), Origin.api()));
        assertThat(r).isInstanceOf(IntakeResult.Accepted.class);
        return ((IntakeResult.Accepted) r).parts().get(0).delivery();
    }
}

package dev.outflow.submission.smtpd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.intake.Origin;
import dev.outflow.core.intake.RoutedDelivery;
import dev.outflow.submission.FakeOutboundQueue;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real client (Jakarta Mail) submits over STARTTLS + AUTH to three domains: one id, three parts. */
class AuthenticatedSubmissionTest {
    @TempDir
    Path dir;

    @Test
    void messageToThreeDomainsIsQueuedAsThreePartsWithOneId() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir)) {
            String reply = JakartaMail.send(f.port(), SmtpFixture.USER, SmtpFixture.PASSWORD, "alice@sender.test",
                    List.of("a@one.test", "b@two.test", "c@three.test", "d@one.test"));

            assertThat(f.queue.queued()).hasSize(1);
            FakeOutboundQueue.Queued q = f.queue.queued().get(0);
            assertThat(reply).isEqualTo("250 2.0.0 Ok: queued as " + q.id());
            assertThat(q.parts()).extracting(RoutedDelivery::routingKey).containsExactly("one.test", "two.test", "three.test");
            assertThat(q.parts()).extracting(p -> p.delivery().id()).containsOnly(q.id());
            assertThat(q.parts().get(0).delivery().recipients()).containsExactly("a@one.test", "d@one.test");
            assertThat(q.parts()).allSatisfy(p -> {
                assertThat(p.origin()).isEqualTo(Origin.smtp(SmtpFixture.USER));
                assertThat(p.delivery().mailFrom()).isEqualTo("alice@sender.test");
                assertThat(p.delivery().attempt()).isZero();
            });

            String contents = new String(q.parts().get(0).delivery().contents(), UTF_8);
            assertThat(contents).startsWith("Received: from client.test ([127.0.0.1])\r\n\t(using TLSv1.")
                    .contains("by outflow.test (Outflow) with ESMTPSA id " + q.id() + ";\r\n\t")
                    .doesNotContain("\tfor <")                              // several recipients: none named
                    .contains("test.\r\n.leading dot line\r\n")                // dot-stuffing undone
                    .doesNotContain("\r\n..leading")
                    .endsWith("\r\n");
            assertThat(contents).containsPattern("(?m)^Message-ID: <");
        }
    }

    @Test
    void singleRecipientIsNamedInReceived() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir)) {
            JakartaMail.send(f.port(), SmtpFixture.USER, SmtpFixture.PASSWORD, "alice@sender.test", List.of("solo@one.test"));

            String contents = new String(f.queue.queued().get(0).parts().get(0).delivery().contents(), UTF_8);
            assertThat(contents).containsPattern("\tfor <solo@one.test>; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\r\n");
        }
    }

    @Test
    void selfSignedCertificateIsGeneratedOnceAndReused() throws Exception {
        Path cert = dir.resolve("data").resolve(SmtpdTls.SELF_SIGNED_DIR).resolve("cert.pem");
        byte[] first;
        try (SmtpFixture f = SmtpFixture.start(dir)) {
            first = java.nio.file.Files.readAllBytes(cert);
        }
        try (SmtpFixture f = SmtpFixture.start(dir)) {
            assertThat(java.nio.file.Files.readAllBytes(cert)).isEqualTo(first);
            JakartaMail.send(f.port(), SmtpFixture.USER, SmtpFixture.PASSWORD, "alice@sender.test", List.of("x@one.test"));
            assertThat(f.queue.queued()).hasSize(1);
        }
    }
}

package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.intake.Origin;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may relay: authenticated sessions and relay networks; AUTH only under TLS by default. */
class RelayPolicyTest {
    @TempDir
    Path dir;

    @Test
    void unauthenticatedRecipientIsRefusedAndNothingQueued() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            assertThat(c.last()).startsWith("220 outflow.test ESMTP");
            assertThat(c.ehlo()).startsWith("250 ");
            assertThat(c.cmd("MAIL FROM:<s@sender.test>")).startsWith("250 2.1.0");
            assertThat(c.cmd("RCPT TO:<r@elsewhere.test>")).isEqualTo("530 5.7.0 Authentication required");
            assertThat(c.cmd("DATA")).startsWith("554 5.5.1");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void unauthenticatedRecipientIsRefusedEvenUnderTls() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.startTls();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            assertThat(c.cmd("RCPT TO:<r@elsewhere.test>")).startsWith("530 5.7.0");
        }
    }

    @Test
    void relayNetworkMayRelayWithoutAuth() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "10.0.0.0/8, 127.0.0.0/8")); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            assertThat(c.cmd("RCPT TO:<r@elsewhere.test>")).startsWith("250 2.1.5");
            assertThat(c.cmd("DATA")).startsWith("354");
            String reply = c.cmd("Subject: hi\r\n\r\nbody\r\n.");

            assertThat(f.queue.queued()).hasSize(1);
            assertThat(reply).isEqualTo("250 2.0.0 Ok: queued as " + f.queue.queued().get(0).id());
            assertThat(f.queue.queued().get(0).parts().get(0).origin()).isEqualTo(Origin.smtp("127.0.0.1"));
        }
    }

    @Test
    void otherNetworkIsNotARelayNetwork() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "10.0.0.0/8,::1/128")); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            assertThat(c.cmd("RCPT TO:<r@elsewhere.test>")).startsWith("530");
        }
    }

    @Test
    void authIsNeitherOfferedNorAcceptedBeforeTls() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            assertThat(c.ehloLines()).contains("250-STARTTLS").noneMatch(l -> l.contains("AUTH"));
            assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("538 5.7.11");

            c.startTls();
            assertThat(c.ehloLines()).contains("250-AUTH PLAIN LOGIN").noneMatch(l -> l.contains("STARTTLS"));
            assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("235 2.7.0");
        }
    }

    @Test
    void authWithoutTlsWhenConfigured() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.auth_requires_tls", "false")); RawSmtp c = f.connect()) {
            c.last();
            assertThat(c.ehloLines()).contains("250-AUTH PLAIN LOGIN");
            assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("235");
            c.cmd("MAIL FROM:<>");
            assertThat(c.cmd("RCPT TO:<r@elsewhere.test>")).startsWith("250");
            c.cmd("DATA");
            c.cmd("Subject: x\r\n\r\nbody\r\n.");
            String contents = new String(f.queue.queued().get(0).parts().get(0).delivery().contents(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(contents).contains("with ESMTPA id");
            assertThat(f.queue.queued().get(0).parts().get(0).delivery().mailFrom()).isEmpty();
        }
    }

    @Test
    void authLoginExchangeWorks() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.startTls();
            c.ehlo();
            assertThat(c.cmd("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
            assertThat(c.cmd(b64(SmtpFixture.USER))).isEqualTo("334 UGFzc3dvcmQ6");
            assertThat(c.cmd(b64(SmtpFixture.PASSWORD))).startsWith("235 2.7.0");
            assertThat(c.cmd("AUTH PLAIN")).startsWith("503");
        }
    }

    @Test
    void commandsPipelinedAfterStartTlsAreDiscarded() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.0/8")); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            // CVE-2011-0411 style injection: plaintext commands behind STARTTLS must not run inside TLS.
            c.send("STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n");
            assertThat(c.last()).startsWith("220");
            c.handshake();
            c.ehlo();
            assertThat(c.cmd("RCPT TO:<r@elsewhere.test>")).startsWith("503 5.5.1");
        }
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}

package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipient, connection, idle-time, error and line-length limits. */
class LimitsTest {
    @TempDir
    Path dir;

    @Test
    void recipientsBeyondTheLimitAreRefusedWith452() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.1", "smtpd.max_recipients", "2"));
             RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            assertThat(c.cmd("RCPT TO:<a@one.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<b@one.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<c@one.test>")).isEqualTo("452 4.5.3 Too many recipients");
            c.cmd("DATA");
            assertThat(c.cmd("Subject: x\r\n\r\nbody\r\n.")).startsWith("250");
            assertThat(f.queue.queued().get(0).parts().get(0).delivery().recipients()).containsExactly("a@one.test", "b@one.test");
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWith421() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.max_connections", "2"));
             RawSmtp a = f.connect(); RawSmtp b = f.connect()) {
            assertThat(a.last()).startsWith("220");
            assertThat(b.last()).startsWith("220");
            try (RawSmtp c = f.connect()) {
                assertThat(c.last()).isEqualTo("421 4.3.2 outflow.test All server ports are busy");
                assertThat(c.reply()).isEmpty();
            }
            a.cmd("QUIT");
            org.awaitility.Awaitility.await().until(() -> f.server.openConnections() < 2);
            try (RawSmtp d = f.connect()) {
                assertThat(d.last()).startsWith("220");
            }
        }
    }

    @Test
    void idleClientIsDisconnectedWith421() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.timeout", "1s")); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            long start = System.nanoTime();
            assertThat(c.last()).startsWith("421 4.4.2");
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(900);
            assertThat(c.reply()).isEmpty();
        }
    }

    @Test
    void stalledDataIsDisconnected() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.timeout", "1s", "smtpd.relay_networks", "127.0.0.1"));
             RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            c.cmd("RCPT TO:<a@one.test>");
            c.cmd("DATA");
            c.send("Subject: half a message\r\n");
            assertThat(c.last()).startsWith("421 4.4.2");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void idleTlsClientIsDisconnected() throws Exception {
        // The handshake must fit in the idle time too: leave room for a loaded machine.
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.timeout", "3s")); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.startTls();
            assertThat(c.reply()).isEmpty();
        }
    }

    @Test
    void tooManyErrorsEndTheSession() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            for (int i = 0; i < 9; i++) assertThat(c.cmd("BOGUS")).startsWith("500 5.5.2");
            c.send("BOGUS\r\n");
            assertThat(c.last()).startsWith("500");
            assertThat(c.last()).isEqualTo("421 4.7.0 outflow.test Error: too many errors");
        }
    }

    @Test
    void refusedRelayAttemptsCountAsErrors() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            for (int i = 0; i < 9; i++) assertThat(c.cmd("RCPT TO:<r" + i + "@elsewhere.test>")).startsWith("530");
            c.send("RCPT TO:<last@elsewhere.test>\r\n");
            assertThat(c.last()).startsWith("530");
            assertThat(c.last()).startsWith("421 4.7.0");
            assertThat(c.reply()).isEmpty();
        }
    }

    @Test
    void overlongCommandLineIsRefused() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            assertThat(c.cmd("EHLO " + "x".repeat(10_000))).startsWith("500 5.5.2 Line too long");
            assertThat(c.cmd("NOOP")).startsWith("250");
        }
    }

    @Test
    void sequenceErrorsAreRefused() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            assertThat(c.cmd("MAIL FROM:<s@sender.test>")).startsWith("503 5.5.1");
            c.ehlo();
            assertThat(c.cmd("RCPT TO:<a@one.test>")).startsWith("503 5.5.1");
            assertThat(c.cmd("DATA")).startsWith("503 5.5.1");
            assertThat(c.cmd("MAIL FROM:<s@sender.test>")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<s@sender.test>")).startsWith("503 5.5.1");
            assertThat(c.cmd("RSET")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<bad address>")).startsWith("501");
            assertThat(c.cmd("QUIT")).startsWith("221");
        }
    }
}

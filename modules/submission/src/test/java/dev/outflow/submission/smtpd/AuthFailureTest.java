package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong passwords are refused with 535 5.7.8 after about a second, without slowing other sessions. */
class AuthFailureTest {
    @TempDir
    Path dir;

    @Test
    void wrongPasswordIsRefusedAndSlowedWhileOtherSessionsGoOn() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp bad = f.connect(); RawSmtp other = f.connect()) {
            bad.last();
            bad.ehlo();
            bad.startTls();
            bad.ehlo();
            other.last();

            CountDownLatch sent = new CountDownLatch(1);
            long start = System.nanoTime();
            CompletableFuture<String> badReply = CompletableFuture.supplyAsync(() -> {
                try {
                    sent.countDown();
                    return bad.authPlain(SmtpFixture.USER, "wrong");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(sent.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(other.ehlo()).startsWith("250 ");
            assertThat(other.cmd("NOOP")).startsWith("250");
            boolean otherServedFirst = !badReply.isDone();

            String reply = badReply.get(10, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(reply).startsWith("535 5.7.8");
            assertThat(millis).isGreaterThanOrEqualTo(900);
            assertThat(otherServedFirst).as("the other session was answered while the failed AUTH waited").isTrue();
            assertThat(bad.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("235");
        }
    }

    @Test
    void unknownUserIsRefusedTheSameWay() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.startTls();
            c.ehlo();
            long start = System.nanoTime();
            assertThat(c.authPlain("mallory", "secret")).startsWith("535 5.7.8");
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(900);
        }
    }

    @Test
    void threeFailuresCloseTheConnection() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.startTls();
            c.ehlo();
            assertThat(c.authPlain(SmtpFixture.USER, "a")).startsWith("535");
            assertThat(c.authPlain(SmtpFixture.USER, "b")).startsWith("535");
            c.send("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString("\0alice\0c".getBytes()) + "\r\n");
            assertThat(c.last()).startsWith("535");
            assertThat(c.last()).startsWith("421 4.7.0");
            assertThat(c.reply()).isEmpty();
        }
    }

    @Test
    void realClientSeesAuthenticationFailure() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir)) {
            assertThatThrownBy(() -> JakartaMail.send(f.port(), SmtpFixture.USER, "nope", "a@sender.test", List.of("b@one.test")))
                    .isInstanceOf(AuthenticationFailedException.class)
                    .hasMessageContaining("535 5.7.8");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void proxyAuthorisationAndCancelAreRefused() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.startTls();
            c.ehlo();
            String proxy = java.util.Base64.getEncoder().encodeToString("bob\0alice\0secret".getBytes());
            assertThat(c.cmd("AUTH PLAIN " + proxy)).startsWith("535");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("334 ");
            assertThat(c.cmd("*")).startsWith("501 5.0.0");
            assertThat(c.cmd("AUTH CRAM-MD5")).startsWith("504 5.5.4");
        }
    }
}

package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Junk commands, session lifetime and AUTH failures per client address, with Postfix's replies. */
class SessionLimitsTest {
    @TempDir
    Path dir;

    @Test
    void junkCommandsBeyondTheLimitCountAsErrors() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.junk_command_limit", "5")); RawSmtp c = f.connect()) {
            c.last();
            String[] junk = {"NOOP", "RSET", "VRFY alice", "HELP"};
            // 5 free, then each one is an error: the 10th error ends the session.
            for (int i = 0; i < 14; i++) assertThat(c.cmd(junk[i % junk.length])).startsWith("2");
            c.send("NOOP\r\n");
            assertThat(c.last()).startsWith("250");
            assertThat(c.last()).isEqualTo("421 4.7.0 outflow.test Error: too many errors");
            assertThat(c.reply()).isEmpty();
        }
    }

    @Test
    void aBusySessionEndsAtItsMaximumTime() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.max_session_time", "2s", "smtpd.timeout", "1m")); RawSmtp c = f.connect()) {
            c.last();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String reply;
            int commands = 0;
            do {
                reply = c.cmd("HELO client.test");           // never idle, never junk
                commands++;
            } while (reply != null && reply.startsWith("250") && System.nanoTime() < deadline);

            assertThat(commands).isGreaterThan(1);
            assertThat(reply).isEqualTo("421 4.4.2 outflow.test Error: session time limit exceeded");
            assertThat(c.reply()).isEmpty();
        }
    }

    @Test
    void authFailuresAreLimitedPerClientAddress() throws Exception {
        try (SmtpFixture f = SmtpFixture.startWithAuthDelay(dir, Map.of("smtpd.client_auth_failure_limit", "3"), Duration.ofMillis(20))) {
            try (RawSmtp c = tls(f, "127.0.0.14")) {
                assertThat(c.authPlain(SmtpFixture.USER, "guess1")).startsWith("535 5.7.8");
                assertThat(c.authPlain(SmtpFixture.USER, "guess2")).startsWith("535 5.7.8");
            }
            try (RawSmtp c = tls(f, "127.0.0.14")) {
                assertThat(c.authPlain(SmtpFixture.USER, "guess3")).startsWith("535 5.7.8");
                assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD))
                        .as("no more guesses from this address, even a right one")
                        .isEqualTo("450 4.7.1 Error: too many AUTH commands from 127.0.0.14");
            }
            try (RawSmtp c = tls(f, "127.0.0.15")) {
                assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("235");
            }
        }
    }

    @Test
    void removedUserIsRefusedWithoutARestart() throws Exception {
        try (SmtpFixture f = SmtpFixture.startWithAuthDelay(dir, Map.of(), Duration.ofMillis(20))) {
            try (RawSmtp c = tls(f, null)) {
                assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("235");
            }
            UsersFile.edit(f.usersFile()).remove(SmtpFixture.USER);
            try (RawSmtp c = tls(f, null)) {
                assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("535 5.7.8");
            }
            UsersFile.edit(f.usersFile()).add(SmtpFixture.USER, "rotated".toCharArray(), UsersFile.MIN_ITERATIONS);
            try (RawSmtp c = tls(f, null)) {
                assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).startsWith("535 5.7.8");
                assertThat(c.authPlain(SmtpFixture.USER, "rotated")).startsWith("235");
            }
        }
    }

    @Test
    void aUsersFileThatNoLongerLoadsFailsClosed() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir)) {
            java.nio.file.Files.writeString(f.usersFile(), "alice:plain-text-password\n");
            try (RawSmtp c = tls(f, null)) {
                assertThat(c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD)).isEqualTo("454 4.7.0 Temporary authentication failure, try again later");
                String login = Base64.getEncoder().encodeToString(SmtpFixture.USER.getBytes());
                assertThat(c.cmd("AUTH LOGIN " + login)).startsWith("334");
                assertThat(c.cmd(Base64.getEncoder().encodeToString(SmtpFixture.PASSWORD.getBytes()))).startsWith("454 4.7.0");
            }
        }
    }

    private static RawSmtp tls(SmtpFixture f, String from) throws Exception {
        RawSmtp c = new RawSmtp(from, f.port());
        c.last();
        c.ehlo();
        c.startTls();
        c.ehlo();
        return c;
    }
}

package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.MainStack;
import dev.outflow.acceptance.harness.Swaks;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SMTP submission, driven by a real client ({@code swaks}): a user added with
 * {@code outflow users add} authenticates after STARTTLS and relays to d9.test; without AUTH,
 * before TLS or with a wrong password the relay is refused; a client inside
 * {@code smtpd.relay_networks} relays without AUTH.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class SubmissionIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SENDER = Stack.sender("submitter");

    static Outflow outflow;
    static FakeMx mx;

    @BeforeAll
    static void start(MainStack s) {
        outflow = s.outflow();
        mx = FakeMx.builder().bind("127.0.0.9").port(s.port()).hostname("mx9.test").start();
    }

    @AfterAll
    static void stop() {
        Closer.close(mx);
    }

    private static Swaks client() {
        return Swaks.to("127.0.0.1", outflow.smtpdPort()).from(SENDER);
    }

    @Test
    void anAuthenticatedUserSubmitsOverStartTlsAndTheMessageIsDelivered() throws IOException {
        String users = Files.readString(Path.of(outflow.setting("smtpd.users")));
        assertThat(users).as("outflow users add stores a PBKDF2 hash, never the password")
                .contains(MainStack.USER + ":pbkdf2-sha256$").doesNotContain(MainStack.PASSWORD);

        Swaks.Result r = client().rcpt("inbox@d9.test").tls().auth(MainStack.USER, MainStack.PASSWORD)
                .header("Subject", "Submitted with AUTH").body("Hello through submission").send();
        assertThat(r.exitCode()).as(r.transcript()).isZero();

        Event e = outflow.events().await("DELIVERED to inbox@d9.test",
                ev -> ev.outcome() == Outcome.DELIVERED && ev.concerns("inbox@d9.test"), WAIT);
        assertThat(e.value().getMailFrom()).isEqualTo(SENDER);
        ReceivedMessage got = mx.received().stream().filter(m -> m.recipients().contains("inbox@d9.test")).findFirst().orElseThrow();
        assertThat(got.mailFrom()).isEqualTo(SENDER);
        assertThat(got.text()).contains("Subject: Submitted with AUTH").contains("Hello through submission");
    }

    @Test
    void relayWithoutAuthIsRefused() {
        Swaks.Result r = client().rcpt("stranger@d9.test").header("Subject", "No auth").body("should not pass").send();

        assertThat(r.exitCode()).as("swaks exit 24: no recipient accepted\n" + r.transcript()).isEqualTo(24);
        assertThat(r.serverLines()).anyMatch(l -> l.matches("<\\*\\* 5\\d\\d.*"));
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                .until(() -> outflow.events().forRecipient("stranger@d9.test").isEmpty()
                        && mx.received().stream().noneMatch(m -> m.recipients().contains("stranger@d9.test")));
    }

    @Test
    void authBeforeStartTlsIsRefused() {
        Swaks.Result r = client().rcpt("plain@d9.test").auth(MainStack.USER, MainStack.PASSWORD).body("password in clear").send();

        assertThat(r.exitCode()).as("swaks exit 28: AUTH failed or not offered\n" + r.transcript()).isEqualTo(28);
    }

    @Test
    void aWrongPasswordIsRefused() {
        Swaks.Result r = client().rcpt("guess@d9.test").tls().auth(MainStack.USER, "wrong password").body("x").send();

        assertThat(r.exitCode()).as("swaks exit 28: AUTH failed\n" + r.transcript()).isEqualTo(28);
        assertThat(r.serverLines()).anyMatch(l -> l.contains("535"));
    }

    @Test
    void aClientInsideTheRelayNetworksRelaysWithoutAuth() {
        Swaks.Result r = client().localAddress(MainStack.RELAY_CLIENT).rcpt("trusted@d9.test")
                .header("Subject", "From the relay network").body("no AUTH needed").send();
        assertThat(r.exitCode()).as(r.transcript()).isZero();

        outflow.events().await("DELIVERED to trusted@d9.test", ev -> ev.outcome() == Outcome.DELIVERED && ev.concerns("trusted@d9.test"), WAIT);
        assertThat(mx.received()).anyMatch(m -> m.recipients().contains("trusted@d9.test") && m.text().contains("no AUTH needed"));
    }
}

package dev.outflow.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The egress seam used directly: one message to one address, sessions pooled and closed. */
class SmtpClientTest {
    private static final SessionSettings SETTINGS = new SessionSettings("client.test", Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
    private static final MailContent CONTENT = MailContent.of("Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));

    private static Target target(FakeMx mx) {
        return new Target("mx.test", mx.address(), mx.port(), false, null, false);
    }

    @Test
    void sendsAndReportsAReplyPerRecipient() throws Exception {
        try (FakeMx mx = FakeMx.builder().rcpt("no@example.com", 550, "5.1.1 unknown").start();
             SmtpClient client = new SmtpClient(Duration.ofSeconds(10), 10, Clock.systemUTC())) {
            TransactionResult r = client.send(target(mx), SETTINGS, new Envelope("", List.of("yes@example.com", "no@example.com")), CONTENT);

            assertThat(r.replies()).extracting(SmtpReply::code).containsExactly(250, 550);
            assertThat(r.response().enhancedCode()).isEqualTo("2.0.0");
            assertThat(r.tls()).isFalse();
            assertThat(mx.received().get(0).mailFrom()).isEmpty();
            assertThat(client.pool().idleCount()).isEqualTo(1);
            assertThat(client.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void closingTheClientQuitsPooledSessions() throws Exception {
        FakeMx mx = FakeMx.start();
        try (mx) {
            SmtpClient client = new SmtpClient(Duration.ofSeconds(10), 10, Clock.systemUTC());
            client.send(target(mx), SETTINGS, new Envelope("a@client.test", List.of("b@example.com")), CONTENT);
            client.close();

            assertThat(client.openConnections()).isZero();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(mx.transcript(1).commands()).endsWith("QUIT"));
        }
    }

    @Test
    void aRefusedConnectionIsAHostFailureAtConnect() throws Exception {
        InetAddress local = InetAddress.getByName("127.0.0.1");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, local)) {
            port = s.getLocalPort();
        }
        Target dead = new Target("dead.test", local, port, false, null, true);
        try (SmtpClient client = new SmtpClient(Duration.ofSeconds(10), 10, Clock.systemUTC())) {
            assertThatThrownBy(() -> client.send(dead, SETTINGS, new Envelope("", List.of("b@example.com")), CONTENT))
                    .isInstanceOfSatisfying(HostFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(HostFailure.Stage.CONNECT);
                        assertThat(f.reply().code()).isZero();
                        assertThat(f.reply().enhancedCode()).isEqualTo("4.4.1");
                        assertThat(f.getMessage()).contains("dead.test[127.0.0.1]:" + port);
                    });
        }
    }

    @Test
    void aSessionIdleBeyondPoolIdleIsClosedByTheWatchdog() throws Exception {
        try (FakeMx mx = FakeMx.start();
             SmtpClient client = new SmtpClient(Duration.ofMillis(1), 10, Clock.systemUTC(), Duration.ofMillis(20))) {
            client.send(target(mx), SETTINGS, new Envelope("", List.of("b@example.com")), CONTENT);
            // eviction runs at most once a second
            await().atMost(Duration.ofSeconds(5)).until(() -> client.pool().idleCount() == 0 && mx.openConnections() == 0);
            assertThat(mx.count(Command.QUIT)).isEqualTo(1);
        }
    }
}

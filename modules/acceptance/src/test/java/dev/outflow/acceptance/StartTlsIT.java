package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.PostfixMx;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.MainStack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import dev.outflow.testkit.smtp.Transcript;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Opportunistic TLS: the MX of d8.test (a fake MX) and of d13.test (a real Postfix) offer STARTTLS
 * with self-signed certificates, as most MXes on the Internet do; Outflow upgrades, sends EHLO again
 * and delivers inside TLS, and says so in the DELIVERED event ({@code tls=true}, {@code tlsPolicy=may}); Postfix's
 * Received header confirms it.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class StartTlsIT {
    static final Duration WAIT = Duration.ofSeconds(90);

    static Outflow outflow;
    static FakeMx mx;
    static PostfixMx postfix;

    @BeforeAll
    static void start(MainStack s) {
        outflow = s.outflow();
        mx = FakeMx.builder().bind("127.0.0.8").port(s.port()).hostname("mx8.test").starttls().start();
        postfix = PostfixMx.start("127.0.0.13", s.port(), "d13.test");
    }

    @AfterAll
    static void stop() {
        Closer.close(mx, postfix);
    }

    @Test
    void deliversOverStartTlsWhenTheMxOffersIt() {
        String id = outflow.send(Stack.sender("tls-sender"), List.of("secret@d8.test"), "Over TLS", "Nobody reads this on the wire");

        Event e = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(e.value().getTls()).isTrue();
        assertThat(e.value().getIp()).isEqualTo("127.0.0.8");
        assertThat(e.value().getTlsPolicy()).as("the default tls.policy").isEqualTo("may");

        ReceivedMessage got = mx.received().stream().filter(m -> m.recipients().contains("secret@d8.test")).findFirst().orElseThrow();
        assertThat(got.tls()).isTrue();
        Transcript t = mx.transcript(got.connection());
        assertThat(t.commands()).contains("STARTTLS");
        int tls = t.commands().indexOf("STARTTLS");
        assertThat(t.commands().subList(tls + 1, t.commands().size())).anyMatch(c -> c.startsWith("EHLO "))
                .anyMatch(c -> c.startsWith("MAIL FROM:"));
        assertThat(t.commands().subList(0, tls)).noneMatch(c -> c.startsWith("MAIL FROM:"));
    }

    @Test
    void deliversToARealPostfixOverStartTls() {
        String id = outflow.send(Stack.sender("tls-sender"), List.of("mailbox@d13.test"), "To Postfix over TLS", "Real MTA on the other end");

        Event e = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(e.value().getTls()).as(postfix.maillog()).isTrue();
        assertThat(e.value().getIp()).isEqualTo("127.0.0.13");
        assertThat(e.recipient("mailbox@d13.test").getCode()).isEqualTo(250);

        String delivered = Awaitility.await("the message in Postfix's Maildir").atMost(WAIT)
                .until(() -> postfix.messages().stream().filter(m -> m.contains("Real MTA on the other end")).findFirst(), Optional::isPresent)
                .orElseThrow();
        // smtpd_tls_received_header: Postfix notes the TLS session in its Received header.
        assertThat(delivered).containsPattern("Received: from outflow\\.acceptance\\.test[\\s\\S]*\\(using TLS")
                .contains("with ESMTPS").contains("Subject: To Postfix over TLS");
    }
}

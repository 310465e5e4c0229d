package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.MainStack;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.SmtpSink;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Plain delivery, end to end: {@code outflow send} queues, the worker resolves the MX through real
 * DNS (knot) and delivers over SMTP to Postfix's smtp-sink (d2.test → 127.0.0.2) and to a fake MX
 * (d3.test → 127.0.0.3); the DELIVERED events say where it went and the servers show what arrived.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class DeliveryIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SENDER = Stack.sender("sender");

    static Outflow outflow;
    static SmtpSink sink;
    static FakeMx mx;

    @BeforeAll
    static void start(MainStack stack) {
        outflow = stack.outflow();
        sink = SmtpSink.start("127.0.0.2", stack.port(), outflow.dir());
        mx = FakeMx.builder().bind("127.0.0.3").port(stack.port()).hostname("mx3.test").start();
    }

    @AfterAll
    static void stop() {
        Closer.close(mx, sink);
    }

    @Test
    void cliSendIsDeliveredToTheMxOfTheRecipientDomain() {
        String id = outflow.send(SENDER, List.of("alice@d2.test"), "Hello Alice", "First line\nSecond line");

        Event e = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(e.topic()).isEqualTo("outflow.delivered");
        assertThat(e.addresses()).containsExactly("alice@d2.test");
        assertThat(e.recipient("alice@d2.test").getCode()).isEqualTo(250);
        assertThat(e.value().getIp()).isEqualTo("127.0.0.2");
        assertThat(e.value().getPort()).isEqualTo(sink.port());
        assertThat(e.value().getMode()).isEqualTo("SMTP");
        assertThat(e.value().getAttempt()).isZero();
        assertThat(e.value().getDomain()).isEqualTo("d2.test");

        Awaitility.await().atMost(WAIT).until(() -> !sink.messagesTo("alice@d2.test").isEmpty());
        SmtpSink.Message got = sink.messagesTo("alice@d2.test").get(0);
        assertThat(got.mailFrom()).isEqualTo(SENDER);
        assertThat(got.content()).contains("Subject: Hello Alice").contains("First line").contains("Second line");
        assertThat(outflow.events().forMessage(id)).extracting(Event::outcome).containsOnly(Outcome.DELIVERED);
    }

    @Test
    void oneMessageToTwoDomainsGoesToEachDomainsMx() {
        String id = outflow.send(SENDER, List.of("bob@d2.test", "carol@d3.test"), "Two domains", "Hi both");

        outflow.events().await("DELIVERED to bob@d2.test", e -> e.messageId().equals(id) && e.outcome() == Outcome.DELIVERED
                && e.concerns("bob@d2.test"), WAIT);
        Event toCarol = outflow.events().await("DELIVERED to carol@d3.test", e -> e.messageId().equals(id)
                && e.outcome() == Outcome.DELIVERED && e.concerns("carol@d3.test"), WAIT);
        assertThat(toCarol.value().getIp()).isEqualTo("127.0.0.3");

        Awaitility.await().atMost(WAIT).until(() -> !sink.messagesTo("bob@d2.test").isEmpty());
        assertThat(sink.messagesTo("bob@d2.test").get(0).recipients()).containsExactly("bob@d2.test");
        ReceivedMessage atMx = mx.received().stream().filter(m -> m.recipients().contains("carol@d3.test")).findFirst().orElseThrow();
        assertThat(atMx.recipients()).containsExactly("carol@d3.test");
        assertThat(atMx.helo()).isEqualTo("outflow.acceptance.test");
        assertThat(atMx.text()).contains("Hi both");
    }

    @Test
    void messageFileArrivesIntactIncludingDotLinesAndUtf8() {
        String message = "From: Sender <sender@d20.test>\r\n"
                + "To: dave@d3.test\r\n"
                + "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
                + "Message-ID: <intact-1@acceptance.test>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "Grüße aus Köln\r\n"
                + ".a line starting with a dot\r\n"
                + "..two dots\r\n"
                + ".\r\n"
                + "last line\r\n";
        String id = outflow.sendFile(SENDER, List.of("dave@d3.test"), message);

        outflow.events().await(id, Outcome.DELIVERED, WAIT);
        ReceivedMessage got = mx.received().stream().filter(m -> m.recipients().contains("dave@d3.test")).findFirst().orElseThrow();
        assertThat(got.text()).contains("Message-ID: <intact-1@acceptance.test>")
                .contains("\r\nGrüße aus Köln\r\n.a line starting with a dot\r\n..two dots\r\n.\r\nlast line\r\n");
    }
}

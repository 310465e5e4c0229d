package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.Transcript;
import dev.outflow.testkit.smtp.Transcript.Direction;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With PIPELINING (RFC 2920) MAIL, every RCPT and DATA reach the server in one batch, before it
 * sent any reply to them; without it, each command waits for the previous reply. The FakeMx sends
 * replies only when it has no more input, so its transcript shows the batch.
 */
class PipeliningTest {
    private static final List<String> RCPTS = List.of("a@example.com", "b@example.com", "c@example.com");

    @Test
    void mailRcptsAndDataArriveBeforeAnyReplyWhenPipeliningIsOffered() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").pipelining(true).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            assertThat(d.deliver(delivery(RCPTS)).with(Status.DELIVERED)).hasSize(3);

            Transcript t = mx.transcript(1);
            int mail = t.indexOf(Direction.IN, "MAIL FROM");
            int data = t.indexOf(Direction.IN, "DATA");
            int firstReplyAfterMail = t.indexOf(Direction.OUT, "", mail);
            assertThat(t.lines().subList(mail, data + 1)).extracting(Transcript.Line::text)
                    .containsExactly("MAIL FROM:<sender@outflow.test>", "RCPT TO:<a@example.com>", "RCPT TO:<b@example.com>",
                            "RCPT TO:<c@example.com>", "DATA");
            assertThat(firstReplyAfterMail).isGreaterThan(data);
        }
    }

    @Test
    void commandsGoOneAtATimeWithoutPipelining() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").pipelining(false).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            assertThat(d.deliver(delivery(RCPTS)).with(Status.DELIVERED)).hasSize(3);

            List<Transcript.Line> lines = mx.transcript(1).lines();
            List<String> conversation = lines.stream().filter(l -> !l.data()).map(l -> l.direction() + " " + l.text().split(" ")[0])
                    .toList();
            int mail = conversation.indexOf("IN MAIL");
            assertThat(conversation.subList(mail, mail + 10)).containsExactly(
                    "IN MAIL", "OUT 250", "IN RCPT", "OUT 250", "IN RCPT", "OUT 250", "IN RCPT", "OUT 250", "IN DATA", "OUT 354");
        }
    }
}

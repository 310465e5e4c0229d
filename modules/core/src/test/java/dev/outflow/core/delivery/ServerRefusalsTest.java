package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A refused MAIL, DATA or final dot decides every recipient that was still open; the server's answer is final. */
class ServerRefusalsTest {
    private static final List<String> RCPTS = List.of("a@example.com", "b@example.com");

    private DeliveryResult deliver(UnaryOperator<FakeMx.Builder> script, FakeMx[] seen, List<String> rcpts) {
        try (FakeMx mx = script.apply(FakeMx.builder().bind("127.0.0.2")).start();
             FakeMx next = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx), host(20, "next.example.com", next)), config())) {
            DeliveryResult r = d.deliver(delivery(rcpts));
            seen[0] = mx;
            seen[1] = next;
            return r;
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void mail550BouncesEveryRecipientAndSendsNoData(boolean pipelining) {
        FakeMx[] mx = new FakeMx[2];
        DeliveryResult r = deliver(b -> b.pipelining(pipelining).reply(Command.MAIL, 550, "5.7.1 sender refused"), mx, RCPTS);

        assertThat(r.recipients()).extracting(RecipientResult::status, RecipientResult::code, RecipientResult::enhancedCode)
                .containsOnly(tuple(Status.BOUNCED, 550, "5.7.1"));
        assertThat(mx[0].transcript(1).lines()).noneMatch(l -> l.data());
        assertThat(mx[1].connections()).as("a server that answered is not skipped").isZero();
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void data451DefersEveryAcceptedRecipient(boolean pipelining) {
        FakeMx[] mx = new FakeMx[2];
        DeliveryResult r = deliver(b -> b.pipelining(pipelining).reply(Command.DATA, 451, "4.3.0 queue full")
                .rcpt("b@example.com", 550, "5.1.1 unknown"), mx, RCPTS);

        assertThat(r.recipients()).extracting(RecipientResult::status, RecipientResult::code, RecipientResult::enhancedCode)
                .containsExactly(tuple(Status.DEFERRED, 451, "4.3.0"), tuple(Status.BOUNCED, 550, "5.1.1"));
        assertThat(mx[0].received()).isEmpty();
    }

    @Test
    void endOfData554BouncesEveryAcceptedRecipient() {
        FakeMx[] mx = new FakeMx[2];
        DeliveryResult r = deliver(b -> b.reply(Command.END_OF_DATA, 554, "5.6.0 content rejected"), mx, RCPTS);

        assertThat(r.recipients()).extracting(RecipientResult::status, RecipientResult::response)
                .containsOnly(tuple(Status.BOUNCED, "content rejected"));
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void whenEveryRecipientIsRefusedNoContentIsSent(boolean pipelining) {
        FakeMx[] mx = new FakeMx[2];
        DeliveryResult r = deliver(b -> b.pipelining(pipelining)
                .rcpt("a@example.com", 550, "5.1.1 unknown")
                .rcpt("b@example.com", 452, "4.2.2 over quota"), mx, RCPTS);

        assertThat(r.recipients()).extracting(RecipientResult::status).containsExactly(Status.BOUNCED, Status.DEFERRED);
        assertThat(mx[0].transcript(1).lines()).noneMatch(l -> l.data());
        List<String> commands = mx[0].transcript(1).commands();
        if (pipelining) assertThat(commands).contains("DATA");
        else assertThat(commands).doesNotContain("DATA").contains("RSET");
        assertThat(mx[0].messages()).isZero();
    }

    @Test
    void a421ToMailMovesOnToTheNextMx() {
        FakeMx[] mx = new FakeMx[2];
        DeliveryResult r = deliver(b -> b.reply(Command.MAIL, 421, "4.3.2 shutting down"), mx, RCPTS);

        assertThat(r.with(Status.DELIVERED)).hasSize(2);
        assertThat(r.host()).isEqualTo("next.example.com");
        assertThat(mx[1].messages()).isEqualTo(1);
    }

    @Test
    void anAddressThatWouldBreakTheCommandLineIsRefusedLocally() {
        FakeMx[] mx = new FakeMx[2];
        DeliveryResult r = deliver(b -> b, mx, List.of("a@example.com", "b@example.com>\r\nRCPT TO:<evil@example.com"));

        assertThat(r.recipients()).extracting(RecipientResult::status, RecipientResult::enhancedCode)
                .containsExactly(tuple(Status.DELIVERED, "2.0.0"), tuple(Status.BOUNCED, "5.1.3"));
        assertThat(mx[0].transcript(1).commands()).noneMatch(c -> c.contains("evil"));
    }

    @Test
    void ehloRefusedFallsBackToHeloAndLockStep() {
        FakeMx[] mx = new FakeMx[2];
        DeliveryResult r = deliver(b -> b.reply(Command.EHLO, 502, "5.5.2 what is EHLO"), mx, RCPTS);

        assertThat(r.with(Status.DELIVERED)).hasSize(2);
        List<String> commands = mx[0].transcript(1).commands();
        assertThat(commands).startsWith("EHLO outflow.test", "HELO outflow.test", "MAIL FROM:<sender@outflow.test>");
        // HELO means no extensions: no SIZE parameter, no pipelining
        assertThat(mx[0].received().get(0).mailParameters()).isEmpty();
        int mailReply = mx[0].transcript(1).indexOf(dev.outflow.testkit.smtp.Transcript.Direction.OUT, "250 2.1.0");
        int rcpt = mx[0].transcript(1).indexOf(dev.outflow.testkit.smtp.Transcript.Direction.IN, "RCPT");
        assertThat(mailReply).isLessThan(rcpt);
    }
}

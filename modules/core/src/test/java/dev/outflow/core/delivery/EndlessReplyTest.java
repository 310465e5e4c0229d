package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A hostile MX answering with a reply that never ends ({@code 250-xxx...} forever) or a line that
 * never ends: the client stops reading at the reply bounds, defers that host as a protocol error
 * and goes on with the next MX. The command timeout is long here, so only the bounds can end the
 * read: before they existed the client kept every line until it ran out of memory.
 */
class EndlessReplyTest {
    private static final List<String> RCPTS = List.of("a@example.com", "b@example.com");

    private static dev.outflow.core.config.Config longTimeouts() {
        return config("outbound.command_timeout", "5m", "outbound.data_timeout", "5m");
    }

    @Test
    void anEndlessEhloReplyDefersThatHostAndTheNextMxGetsTheMail() {
        try (FakeMx hostile = FakeMx.builder().bind("127.0.0.2").flood(Command.EHLO).start();
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "hostile.example.com", hostile), host(20, "ok.example.com", ok)),
                     longTimeouts())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            assertThat(r.with(Status.DELIVERED)).hasSize(2);
            assertThat(r.host()).isEqualTo("ok.example.com");
            assertThat(hostile.count(Command.MAIL)).isZero();
            // the client hung up on the flood
            await().atMost(Duration.ofSeconds(10)).until(() -> hostile.openConnections() == 0);
        }
    }

    @Test
    void theReasonNamesTheProtocolErrorWhenNoOtherMxIsLeft() {
        try (FakeMx hostile = FakeMx.builder().bind("127.0.0.2").flood(Command.EHLO).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "hostile.example.com", hostile)), longTimeouts())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.code()).isZero();
                assertThat(rr.enhancedCode()).isEqualTo("4.5.0");
                assertThat(rr.response()).isEqualTo("protocol error after EHLO with hostile.example.com[127.0.0.2]:" + hostile.port()
                        + ": reply is longer than 65536 bytes");
            });
        }
    }

    @Test
    void anEndlessGreetingLineIsAProtocolErrorToo() {
        try (FakeMx hostile = FakeMx.builder().bind("127.0.0.2").on(Command.GREETING, Action.reply(220, "x".repeat(100_000))).start();
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "hostile.example.com", hostile), host(20, "ok.example.com", ok)),
                     longTimeouts())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            assertThat(r.host()).isEqualTo("ok.example.com");
            assertThat(hostile.count(Command.EHLO)).isZero();
        }
    }

    @Test
    void anEndlessReplyToMailMovesOnToTheNextMx() {
        try (FakeMx hostile = FakeMx.builder().bind("127.0.0.2").pipelining(false).on(Command.MAIL, Action.flood(250)).start();
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "hostile.example.com", hostile), host(20, "ok.example.com", ok)),
                     longTimeouts())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            assertThat(r.with(Status.DELIVERED)).hasSize(2);
            assertThat(r.host()).isEqualTo("ok.example.com");
        }
    }

    @Test
    void anEndlessReplyToRcptDefersTheOpenRecipients() {
        try (FakeMx hostile = FakeMx.builder().bind("127.0.0.2").pipelining(false).on(Command.RCPT, Action.flood(250)).start();
             FakeMx next = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "hostile.example.com", hostile), host(20, "next.example.com", next)),
                     longTimeouts())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            // the server answered MAIL: its transaction decides, as for a connection lost after RCPT
            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.enhancedCode()).isEqualTo("4.5.0");
                assertThat(rr.response()).startsWith("protocol error after RCPT TO with hostile.example.com").endsWith("reply is longer than 65536 bytes");
            });
            assertThat(next.connections()).isZero();
        }
    }
}

package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * At most {@code outbound.recipient_limit} recipients per transaction; a server's "no room" (452,
 * or 552 per RFC 5321 4.5.3.1.10) to RCPT sends those recipients in the next transaction of the
 * same attempt instead of costing them a retry.
 */
class RecipientLimitTest {
    private static List<String> recipients(int n) {
        return IntStream.range(0, n).mapToObj(i -> "r" + i + "@example.com").toList();
    }

    @Test
    void moreRecipientsThanTheLimitGoInSeveralTransactionsOnOneConnection() {
        List<String> rcpts = recipients(120);
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery(rcpts));

            assertThat(r.with(Status.DELIVERED)).hasSize(120);
            assertThat(mx.received()).extracting(m -> m.recipients().size()).containsExactly(50, 50, 20);
            assertThat(mx.received()).flatExtracting(ReceivedMessage::recipients).containsExactlyElementsOf(rcpts);
            assertThat(mx.connections()).isEqualTo(1);
        }
    }

    @Test
    void theLimitIsAKey() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config("outbound.recipient_limit", "2"))) {
            assertThat(d.deliver(delivery(recipients(5))).with(Status.DELIVERED)).hasSize(5);
            assertThat(mx.received()).extracting(m -> m.recipients().size()).containsExactly(2, 2, 1);
        }
    }

    @ParameterizedTest(name = "RCPT answered {0}")
    @ValueSource(ints = {452, 552})
    void recipientsWithoutRoomGoInTheNextTransactionOfTheSameAttempt(int code) {
        String text = (code == 452 ? "4.5.3" : "5.5.3") + " too many recipients";
        // the first RCPT of r3 and r4 is refused for lack of room, the second accepted
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2")
                .rcpt("r3@example.com", Action.reply(code, text), Action.proceed())
                .rcpt("r4@example.com", Action.reply(code, text), Action.proceed()).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery(recipients(5)));

            assertThat(r.with(Status.DELIVERED)).hasSize(5);
            assertThat(mx.received()).extracting(ReceivedMessage::recipients)
                    .containsExactly(List.of("r0@example.com", "r1@example.com", "r2@example.com"), List.of("r3@example.com", "r4@example.com"));
            assertThat(mx.connections()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "RCPT answered {0}")
    @ValueSource(ints = {452, 552})
    void aTransactionWithoutRoomForAnyoneDefersThemAll(int code) {
        String text = (code == 452 ? "4.5.3" : "5.5.3") + " too many recipients";
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").on(Command.RCPT, Action.reply(code, text)).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery(recipients(3)));

            // 552 is temporary to RCPT: deferred, never bounced
            assertThat(r.recipients()).extracting(RecipientResult::status, RecipientResult::code)
                    .containsOnly(tuple(Status.DEFERRED, code));
            assertThat(mx.count(Command.MAIL)).as("no progress: no second transaction").isEqualTo(1);
        }
    }

    @Test
    void otherRefusalsInTheSameTransactionAreFinal() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2")
                .rcpt("r0@example.com", 550, "5.1.1 no such user")
                .rcpt("r1@example.com", Action.reply(452, "4.5.3 too many recipients"), Action.proceed()).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery(recipients(2)));

            assertThat(r.recipients()).extracting(RecipientResult::status).containsExactly(Status.BOUNCED, Status.DELIVERED);
            assertThat(mx.transcripts()).flatExtracting(t -> t.commands()).filteredOn(c -> c.startsWith("RCPT TO:<r0@"))
                    .as("r0 is not asked again").hasSize(1);
        }
    }
}

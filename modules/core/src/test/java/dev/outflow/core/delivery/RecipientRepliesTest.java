package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.FakeMx;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each recipient gets the reply to its own RCPT, and accepted ones the reply to the final dot. */
class RecipientRepliesTest {
    @Test
    void aMixOf250_450_550GivesExactlyThosePerRecipientResults() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2")
                .rcpt("later@example.com", 450, "4.2.1 mailbox busy")
                .rcpt("nobody@example.com", 550, "5.1.1 no such user")
                .start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery(List.of("ok@example.com", "later@example.com", "nobody@example.com")));

            assertThat(r.recipients())
                    .extracting(RecipientResult::address, RecipientResult::status, RecipientResult::code, RecipientResult::enhancedCode)
                    .containsExactly(
                            tuple("ok@example.com", Status.DELIVERED, 250, "2.0.0"),
                            tuple("later@example.com", Status.DEFERRED, 450, "4.2.1"),
                            tuple("nobody@example.com", Status.BOUNCED, 550, "5.1.1"));
            assertThat(r.recipients().get(2).response()).isEqualTo("no such user");
            assertThat(r.recipients().get(0).response()).startsWith("Ok: queued as");
            assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.recipients()).containsExactly("ok@example.com"));
        }
    }
}

package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.mx.MxHost;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.testkit.smtp.FakeMx;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LMTP (RFC 2033): LHLO, and one reply per accepted recipient after the final dot. */
class LmtpTest {
    @Test
    void eachAcceptedRecipientGetsItsOwnReplyAfterTheDot() {
        try (FakeMx lmtp = FakeMx.builder().bind("127.0.0.2").lmtp()
                .rcpt("gone@example.com", 550, "5.1.1 no such mailbox")
                .lmtpReply("full@example.com", 452, "4.2.2 mailbox full")
                .lmtpReply("blocked@example.com", 554, "5.7.1 delivery refused by sieve")
                .start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com",
                     new MxHost(new MxRoute(0, "lmtp.example.com", lmtp.port(), null, true), List.of(lmtp.address()))), config())) {
            DeliveryResult r = d.deliver(delivery(List.of("ok@example.com", "full@example.com", "gone@example.com", "blocked@example.com")));

            assertThat(r.mode()).isEqualTo("LMTP");
            assertThat(r.recipients()).extracting(RecipientResult::address, RecipientResult::status, RecipientResult::code)
                    .containsExactly(
                            tuple("ok@example.com", Status.DELIVERED, 250),
                            tuple("full@example.com", Status.DEFERRED, 452),
                            tuple("gone@example.com", Status.BOUNCED, 550),
                            tuple("blocked@example.com", Status.BOUNCED, 554));
            assertThat(lmtp.transcript(1).commands()).startsWith("LHLO outflow.test");
            assertThat(lmtp.received()).singleElement().satisfies(m -> assertThat(m.recipients()).containsExactly("ok@example.com"));
        }
    }
}

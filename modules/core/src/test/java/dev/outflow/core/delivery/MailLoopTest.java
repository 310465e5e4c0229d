package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A message that has passed more than {@code outbound.hop_limit} relays is looping: it bounces with 5.4.6, unsent. */
class MailLoopTest {
    private static byte[] withReceived(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append("Received: from relay").append(i).append(".example by next.example; Mon, 1 Jan 2025 00:00:00 +0000\r\n");
        sb.append("From: a@outflow.test\r\nSubject: loop\r\n\r\nReceived: in the body does not count\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void moreReceivedHeadersThanTheHopLimitBounce() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery("a@outflow.test", List.of("b@example.com"), withReceived(51)));

            RecipientResult b = r.recipients().get(0);
            assertThat(b.status()).isEqualTo(Status.BOUNCED);
            assertThat(b.code()).isEqualTo(554);
            assertThat(b.enhancedCode()).isEqualTo("5.4.6");
            assertThat(b.response()).isEqualTo("mail loop: the message has 51 Received headers, more than outbound.hop_limit (50)");
            assertThat(mx.connections()).isZero();
        }
    }

    @Test
    void upToTheHopLimitIsDelivered() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            assertThat(d.deliver(delivery("a@outflow.test", List.of("b@example.com"), withReceived(50))).with(Status.DELIVERED)).hasSize(1);
        }
    }

    @Test
    void theLimitIsAKey() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config("outbound.hop_limit", "3"))) {
            assertThat(d.deliver(delivery("a@outflow.test", List.of("b@example.com"), withReceived(4))).recipients().get(0).enhancedCode())
                    .isEqualTo("5.4.6");
        }
    }
}

package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.closedPort;
import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A tarpit answers every command just inside the command timeout, so that one message could hold a
 * delivery thread for hours; {@code outbound.transaction_timeout} bounds the whole attempt.
 */
class TarpitTest {
    @Test
    void aSlowServerIsCutOffAtTheTransactionTimeoutAndTheRestIsDeferred() {
        List<String> rcpts = IntStream.range(0, 20).mapToObj(i -> "r" + i + "@example.com").toList();
        // 300 ms per RCPT, well inside the 5 s command timeout: 20 recipients would take 6 s, the attempt may take 2 s
        try (FakeMx tarpit = FakeMx.builder().bind("127.0.0.2").pipelining(false).delay(Command.RCPT, Duration.ofMillis(300)).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "tarpit.example.com", tarpit)),
                     config("outbound.transaction_timeout", "2s"))) {
            DeliveryResult r = d.deliver(delivery(rcpts));

            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.enhancedCode()).isEqualTo("4.4.7");
                // normally "after RCPT TO"; on a very slow machine the deadline may already strike earlier
                assertThat(rr.response()).startsWith("outbound.transaction_timeout (2s) reached ").contains("with tarpit.example.com[127.0.0.2]");
            });
            assertThat(tarpit.received()).isEmpty();
            assertThat(tarpit.count(Command.RCPT)).isLessThan(rcpts.size());
        }
    }

    @Test
    void noFurtherMxIsTriedOnceTheAttemptIsOutOfTime() {
        try (FakeMx silent = FakeMx.builder().bind("127.0.0.2").stall(Command.GREETING).start();
             FakeMx next = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "silent.example.com", silent), host(20, "next.example.com", next)),
                     config("outbound.command_timeout", "5m", "outbound.transaction_timeout", "3s"))) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            RecipientResult a = r.recipients().get(0);
            assertThat(a.status()).isEqualTo(Status.DEFERRED);
            assertThat(a.enhancedCode()).isEqualTo("4.4.7");
            // "while waiting for the greeting", unless a very slow machine spent the 3 s before connecting
            assertThat(a.response()).startsWith("outbound.transaction_timeout (3s) reached ")
                    .endsWith(" silent.example.com[127.0.0.2]:" + silent.port());
            assertThat(next.connections()).isZero();
        }
    }

    @Test
    void atMostMxAddressLimitAddressesAreTried() {
        try (FakeMx eighth = FakeMx.builder().bind("127.0.0.9").start()) {
            List<dev.outflow.core.mx.MxHost> hosts = new ArrayList<>();
            for (int i = 2; i <= 8; i++) hosts.add(host(i * 10, "mx" + i + ".example.com", "127.0.0." + i, closedPort("127.0.0." + i)));
            hosts.add(host(90, "mx9.example.com", eighth));
            StaticMxLookup dns = StaticMxLookup.of("example.com", hosts.toArray(dev.outflow.core.mx.MxHost[]::new));

            try (Deliverer d = deliverer(dns, config())) {
                RecipientResult a = d.deliver(delivery(List.of("a@example.com"))).recipients().get(0);

                assertThat(a.status()).isEqualTo(Status.DEFERRED);
                assertThat(a.enhancedCode()).isEqualTo("4.4.1");
                assertThat(a.response()).startsWith("connect to mx6.example.com[127.0.0.6]")
                        .endsWith("(tried 5 addresses); outbound.mx_address_limit (5) reached");
                assertThat(eighth.connections()).isZero();
            }
            try (Deliverer d = deliverer(dns, config("outbound.mx_address_limit", "0"))) {
                assertThat(d.deliver(delivery(List.of("a@example.com"))).host()).as("0: no limit").isEqualTo("mx9.example.com");
            }
        }
    }

    @Test
    void atMostMxSessionLimitSessionsArePerAttempt() {
        // each server completes greeting and EHLO, then is closing at MAIL: a session that delivers nothing
        try (FakeMx one = FakeMx.builder().bind("127.0.0.2").reply(Command.MAIL, 421, "4.3.2 shutting down").start();
             FakeMx two = FakeMx.builder().bind("127.0.0.3").reply(Command.MAIL, 421, "4.3.2 shutting down").start();
             FakeMx three = FakeMx.builder().bind("127.0.0.4").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "one.example.com", one), host(20, "two.example.com", two),
                     host(30, "three.example.com", three)), config())) {
            RecipientResult a = d.deliver(delivery(List.of("a@example.com"))).recipients().get(0);

            assertThat(a.status()).isEqualTo(Status.DEFERRED);
            assertThat(a.code()).isEqualTo(421);
            assertThat(a.response()).startsWith("two.example.com[127.0.0.3]:" + two.port() + " is closing the connection")
                    .endsWith("; outbound.mx_session_limit (2) reached");
            assertThat(three.connections()).isZero();
        }
    }

    @Test
    void hostsThatFailBeforeEhloDoNotCountAsSessions() {
        try (FakeMx one = FakeMx.builder().bind("127.0.0.2").greeting(421, "4.3.2 busy").start();
             FakeMx two = FakeMx.builder().bind("127.0.0.3").greeting(554, "5.3.2 go away").start();
             FakeMx three = FakeMx.builder().bind("127.0.0.4").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "one.example.com", one), host(20, "two.example.com", two),
                     host(30, "three.example.com", three)), config())) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.host()).isEqualTo("three.example.com");
            assertThat(r.with(Status.DELIVERED)).hasSize(1);
        }
    }
}

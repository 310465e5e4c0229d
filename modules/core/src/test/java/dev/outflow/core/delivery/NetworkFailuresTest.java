package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A lost connection or a silent server defers every recipient not yet decided, with a clear reason, in bounded time. */
class NetworkFailuresTest {
    private static final List<String> RCPTS = List.of("a@example.com", "b@example.com");

    @Test
    void disconnectAfterDataDefersTheAcceptedRecipients() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").rcpt("b@example.com", 550, "5.1.1 unknown")
                .disconnectOn(Command.END_OF_DATA).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            RecipientResult a = r.recipients().get(0);
            assertThat(a.status()).isEqualTo(Status.DEFERRED);
            assertThat(a.code()).isZero();
            assertThat(a.enhancedCode()).isEqualTo("4.4.2");
            assertThat(a.response()).startsWith("connection lost after end of data with mx.example.com[127.0.0.2]:" + mx.port());
            assertThat(r.recipients().get(1).status()).as("refused at RCPT before the loss").isEqualTo(Status.BOUNCED);
            assertThat(r.host()).isEqualTo("mx.example.com");
        }
    }

    @Test
    void aStalledReplyToTheDotIsDeferredAfterTheDataTimeout() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").stall(Command.END_OF_DATA).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)),
                     config("outbound.data_timeout", "400ms"))) {
            long start = System.nanoTime();
            DeliveryResult r = d.deliver(delivery(RCPTS));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.response()).startsWith("timed out after end of data");
            });
            assertThat(took).isBetween(Duration.ofMillis(400), Duration.ofMillis(2500));
        }
    }

    @Test
    void aStalledGreetingCountsAsAFailedHostAfterTheCommandTimeout() {
        try (FakeMx silent = FakeMx.builder().bind("127.0.0.2").stall(Command.GREETING).start();
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "silent.example.com", silent), host(20, "ok.example.com", ok)),
                     config("outbound.command_timeout", "300ms"))) {
            long start = System.nanoTime();
            DeliveryResult r = d.deliver(delivery(RCPTS));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(r.with(Status.DELIVERED)).hasSize(2);
            assertThat(r.host()).isEqualTo("ok.example.com");
            assertThat(took).isBetween(Duration.ofMillis(300), Duration.ofMillis(2500));
        }
    }

    @Test
    void aStalledRcptReplyDefersEveryRecipientAfterTheCommandTimeout() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").pipelining(false).stall(Command.RCPT).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)),
                     config("outbound.command_timeout", "300ms"))) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.response()).startsWith("timed out after RCPT TO");
            });
        }
    }
}

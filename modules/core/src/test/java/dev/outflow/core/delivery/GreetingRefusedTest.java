package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A server that refuses service in its greeting is skipped for the next MX. */
class GreetingRefusedTest {
    @Test
    void a421GreetingMovesOnToTheNextMx() {
        try (FakeMx busy = FakeMx.builder().bind("127.0.0.2").greeting(421, "4.3.2 too busy, try later").start();
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "busy.example.com", busy), host(20, "ok.example.com", ok)), config())) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.recipients()).singleElement().extracting(RecipientResult::status).isEqualTo(Status.DELIVERED);
            assertThat(r.host()).isEqualTo("ok.example.com");
            assertThat(busy.count(Command.GREETING)).isEqualTo(1);
            assertThat(busy.transcript(1).commands()).isEmpty();
        }
    }

    @Test
    void a554GreetingMovesOnToo() {
        try (FakeMx closed = FakeMx.builder().bind("127.0.0.2").greeting(554, "5.7.1 no SMTP service here").start();
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "closed.example.com", closed), host(20, "ok.example.com", ok)), config())) {
            assertThat(d.deliver(delivery(List.of("a@example.com"))).with(Status.DELIVERED)).hasSize(1);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(closed.transcript(1).commands()).containsExactly("QUIT"));
        }
    }

    @Test
    void whenEveryMxGreetsWith421AllRecipientsAreDeferredWithTheLastReply() {
        try (FakeMx one = FakeMx.builder().bind("127.0.0.2").greeting(421, "4.3.2 one is busy").start();
             FakeMx two = FakeMx.builder().bind("127.0.0.3").greeting(421, "4.7.0 two is busy").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "one.example.com", one), host(20, "two.example.com", two)), config())) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com", "b@example.com")));

            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.code()).isEqualTo(421);
                assertThat(rr.enhancedCode()).isEqualTo("4.7.0");
                assertThat(rr.response()).contains("two is busy");
            });
            assertThat(one.connections()).isEqualTo(1);
            assertThat(two.connections()).isEqualTo(1);
        }
    }
}

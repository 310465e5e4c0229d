package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.core.config.Config;
import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.MutableClock;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages to the same server share a connection, with RSET between them; dead or old connections are replaced. */
class ConnectionReuseTest {
    private static final List<String> RCPTS = List.of("a@example.com");

    private static Deliverer deliverer(FakeMx mx, Config config, Clock clock) {
        return new Deliverer(() -> config, PluginChain.empty(), StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), clock);
    }

    @Test
    void twoMessagesTravelOnOneConnectionWithRsetBetween() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(mx, config(), Clock.systemUTC())) {
            assertThat(d.deliver(delivery(RCPTS)).with(Status.DELIVERED)).hasSize(1);
            assertThat(d.deliver(delivery(RCPTS)).with(Status.DELIVERED)).hasSize(1);

            assertThat(mx.connections()).isEqualTo(1);
            assertThat(mx.messages()).isEqualTo(2);
            assertThat(mx.transcript(1).commands().stream().filter(c -> !c.startsWith("RCPT")).map(c -> c.split(" ")[0]))
                    .containsExactly("EHLO", "MAIL", "DATA", "RSET", "MAIL", "DATA");
            assertThat(d.client().pool().idleCount()).isEqualTo(1);
        }
    }

    @Test
    void aPooledConnectionTheServerDroppedIsReplacedTransparently() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(mx, config(), Clock.systemUTC())) {
            d.deliver(delivery(RCPTS));
            mx.disconnectAll();
            await().atMost(Duration.ofSeconds(5)).until(() -> mx.openConnections() == 0);

            DeliveryResult second = d.deliver(delivery(RCPTS));

            assertThat(second.with(Status.DELIVERED)).hasSize(1);
            assertThat(mx.connections()).isEqualTo(2);
            assertThat(mx.messages()).isEqualTo(2);
        }
    }

    @Test
    void aPooledConnectionAnswering421ToRsetIsReplacedTransparently() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").on(Command.RSET, Action.reply(421, "4.4.2 idle too long")).start();
             Deliverer d = deliverer(mx, config(), Clock.systemUTC())) {
            d.deliver(delivery(RCPTS));
            DeliveryResult second = d.deliver(delivery(RCPTS));

            assertThat(second.with(Status.DELIVERED)).hasSize(1);
            assertThat(mx.connections()).isEqualTo(2);
            assertThat(mx.transcript(2).commands()).doesNotContain("RSET");
        }
    }

    @Test
    void aConnectionCarriesAtMostPoolMaxMessagesThenQuits() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(mx, config("outbound.pool_max_messages", "2"), Clock.systemUTC())) {
            for (int i = 0; i < 3; i++) d.deliver(delivery(RCPTS));

            assertThat(mx.connections()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(mx.transcript(1).commands()).endsWith("QUIT"));
        }
    }

    @Test
    void aConnectionIdleLongerThanPoolIdleIsNotReused() {
        MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(mx, config("outbound.pool_idle", "10s"), clock)) {
            d.deliver(delivery(RCPTS));
            clock.advance(Duration.ofSeconds(9));
            d.deliver(delivery(RCPTS));
            assertThat(mx.connections()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(11));
            d.deliver(delivery(RCPTS));
            assertThat(mx.connections()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(mx.transcript(1).commands()).endsWith("QUIT"));
        }
    }

    @Test
    void differentServersGetDifferentConnections() {
        try (FakeMx one = FakeMx.builder().bind("127.0.0.2").start();
             FakeMx two = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = new Deliverer(() -> config(), PluginChain.empty(), new StaticMxLookup()
                     .domain("one.example", host(10, "mx.one.example", one))
                     .domain("two.example", host(10, "mx.two.example", two)), Clock.systemUTC())) {
            for (int i = 0; i < 2; i++) {
                d.deliver(delivery(List.of("a@one.example")));
                d.deliver(delivery(List.of("a@two.example")));
            }
            assertThat(one.connections()).isEqualTo(1);
            assertThat(two.connections()).isEqualTo(1);
            assertThat(one.messages() + two.messages()).isEqualTo(4);
        }
    }
}

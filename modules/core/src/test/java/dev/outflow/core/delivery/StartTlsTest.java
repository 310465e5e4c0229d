package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.Transcript;
import dev.outflow.testkit.smtp.Transcript.Direction;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** STARTTLS is used when offered and enabled; outbound.enable_tls is read per delivery (hot). */
class StartTlsTest {
    @Test
    void startTlsIsUsedWhenOfferedAndEverythingAfterItIsEncrypted() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls().start();
             Deliverer d = new Deliverer(() -> config(), PluginChain.empty(),
                     StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), Clock.systemUTC())) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.tls()).isTrue();
            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            Transcript t = mx.transcript(1);
            int starttls = t.indexOf(Direction.IN, "STARTTLS");
            assertThat(starttls).isPositive();
            List<Transcript.Line> lines = t.lines();
            assertThat(lines.subList(0, starttls + 2)).noneMatch(Transcript.Line::tls);
            assertThat(lines.subList(starttls + 2, lines.size())).isNotEmpty().allMatch(Transcript.Line::tls);
            assertThat(t.commands().subList(t.commands().indexOf("STARTTLS") + 1, t.commands().size()))
                    .startsWith("EHLO outflow.test", "MAIL FROM:<sender@outflow.test>");
            assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
        }
    }

    @Test
    void enableTlsFalseIsHonouredOnTheNextDeliveryWithoutRestart() {
        AtomicReference<Config> live = new AtomicReference<>(config("outbound.enable_tls", "false", "outbound.pool_max_messages", "1"));
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").starttls().start();
             Deliverer d = new Deliverer(live::get, PluginChain.empty(),
                     StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), Clock.systemUTC())) {
            DeliveryResult plain = d.deliver(delivery(List.of("a@example.com")));
            assertThat(plain.tls()).isFalse();
            assertThat(mx.transcript(1).commands()).doesNotContain("STARTTLS");
            assertThat(mx.transcript(1).lines()).noneMatch(Transcript.Line::tls);

            live.set(live.get().with(OutflowKeys.ENABLE_TLS, "true"));
            DeliveryResult encrypted = d.deliver(delivery(List.of("a@example.com")));
            assertThat(encrypted.tls()).isTrue();
            assertThat(mx.transcript(2).commands()).contains("STARTTLS");
        }
    }

    @Test
    void aFailedHandshakeIsRetriedOnceInPlaintext() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").brokenTls().start();
             Deliverer d = new Deliverer(() -> config(), PluginChain.empty(),
                     StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), Clock.systemUTC())) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.tls()).isFalse();
            assertThat(mx.connections()).isEqualTo(2);
            assertThat(mx.transcript(1).commands()).endsWith("STARTTLS");
            assertThat(mx.transcript(2).commands()).doesNotContain("STARTTLS").contains("DATA");

            // the plaintext connection is reused, not another failing handshake
            assertThat(d.deliver(delivery(List.of("a@example.com"))).with(Status.DELIVERED)).hasSize(1);
            assertThat(mx.connections()).isEqualTo(2);
        }
    }

    @Test
    void aFailedHandshakeThenAFailedPlaintextRetryMovesToTheNextMx() {
        try (FakeMx broken = FakeMx.builder().bind("127.0.0.2").brokenTls()
                .on(dev.outflow.testkit.smtp.Command.GREETING, dev.outflow.testkit.smtp.Action.proceed(),
                        dev.outflow.testkit.smtp.Action.reply(421, "4.3.2 not now"))
                .start();
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").starttls().start();
             Deliverer d = new Deliverer(() -> config(), PluginChain.empty(),
                     StaticMxLookup.of("example.com", host(10, "broken.example.com", broken), host(20, "ok.example.com", ok)), Clock.systemUTC())) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com")));

            assertThat(r.host()).isEqualTo("ok.example.com");
            assertThat(r.tls()).isTrue();
            assertThat(broken.connections()).isEqualTo(2);
        }
    }
}

package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.hooks.MxAnswer;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.mx.MxResolver;
import dev.outflow.testkit.dns.ZoneResolver;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whoever controls a recipient domain's DNS must not be able to make the relay connect to its own
 * loopback or private network: such addresses from MX, A/AAAA records or address literals are
 * refused unless {@code outbound.allow_private}; a get_mx hook's routes are the operator's own.
 */
class PrivateAddressTest {
    private FakeMx mx;
    private MxResolver dns;

    @BeforeEach
    void start() {
        mx = FakeMx.builder().bind("127.0.0.2").start();
        dns = new MxResolver(new ZoneResolver(
                ZoneResolver.zone("example.", "@ MX 10 mx", "mx A 127.0.0.2"),
                ZoneResolver.zone("mixed.example.", "@ MX 10 mx", "mx A 127.0.0.2", "mx A 10.1.2.3")),
                false, Clock.systemUTC(), Duration.ZERO);
    }

    @AfterEach
    void stop() {
        mx.close();
    }

    private DeliveryResult deliver(String domain, PluginChain plugins, String... config) {
        String[] all = new String[config.length + 4];
        all[0] = "outbound.smtp_port";
        all[1] = String.valueOf(mx.port());
        all[2] = "outbound.allow_private";
        all[3] = "false";
        System.arraycopy(config, 0, all, 4, config.length);
        try (Deliverer d = new Deliverer(() -> config(all), plugins, dns, Clock.systemUTC())) {
            return d.deliver(delivery(List.of("a@" + domain)));
        }
    }

    @Test
    void anMxOnLoopbackBouncesWithoutAConnection() {
        RecipientResult a = deliver("example", PluginChain.empty()).recipients().get(0);

        assertThat(a.status()).isEqualTo(Status.BOUNCED);
        assertThat(a.code()).isEqualTo(550);
        assertThat(a.enhancedCode()).isEqualTo("5.4.4");
        assertThat(a.response()).isEqualTo("refusing to deliver to mx.example[127.0.0.2] (loopback): not a public address"
                + " (outbound.allow_private is false)");
        assertThat(mx.connections()).isZero();
    }

    @Test
    void everyPrivateAddressOfTheMxIsRefused() {
        RecipientResult a = deliver("mixed.example", PluginChain.empty()).recipients().get(0);

        assertThat(a.status()).isEqualTo(Status.BOUNCED);
        assertThat(a.response()).contains("and 1 more non-public addresses");
        assertThat(mx.connections()).isZero();
    }

    @Test
    void anAddressLiteralOnLoopbackIsRefusedToo() {
        RecipientResult a = deliver("[127.0.0.2]", PluginChain.empty()).recipients().get(0);

        assertThat(a.status()).isEqualTo(Status.BOUNCED);
        assertThat(a.enhancedCode()).isEqualTo("5.4.4");
        assertThat(a.response()).startsWith("refusing to deliver to [127.0.0.2] (loopback)");
        assertThat(mx.connections()).isZero();
    }

    @Test
    void allowPrivateLetsTheMailThrough() {
        DeliveryResult r = deliver("example", PluginChain.empty(), "outbound.allow_private", "true");

        assertThat(r.with(Status.DELIVERED)).hasSize(1);
        assertThat(mx.messages()).isEqualTo(1);
    }

    @Test
    void routesOfAGetMxHookMayBePrivate() {
        RecordingPlugin plugin = new RecordingPlugin();
        plugin.mx = MxAnswer.of(mx.hostPort());

        DeliveryResult r = deliver("example", new PluginChain(List.of(plugin)));

        assertThat(r.with(Status.DELIVERED)).hasSize(1);
        assertThat(mx.messages()).isEqualTo(1);
    }
}

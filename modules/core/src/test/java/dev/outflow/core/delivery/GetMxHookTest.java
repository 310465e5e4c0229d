package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.closedPort;
import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.hooks.MxAnswer;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.testkit.smtp.FakeMx;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every form a get_mx hook may answer routes the delivery without DNS; DENY/DENYSOFT decide it. */
class GetMxHookTest {
    private static final List<String> RCPTS = List.of("a@example.com");

    private FakeMx mx;
    private final RecordingPlugin plugin = new RecordingPlugin();
    private final StaticMxLookup dns = new StaticMxLookup();

    @BeforeEach
    void start() {
        mx = FakeMx.builder().bind("127.0.0.2").start();
        dns.name("relay.test", "127.0.0.2");
    }

    @AfterEach
    void stop() {
        mx.close();
    }

    private DeliveryResult deliverWith(MxAnswer answer, String... config) {
        plugin.mx = answer;
        try (Deliverer d = deliverer(dns, config(config), new PluginChain(List.of(plugin)))) {
            return d.deliver(delivery(RCPTS));
        }
    }

    private void assertDeliveredToTheFakeMx(DeliveryResult r, String host) {
        assertThat(r.with(Status.DELIVERED)).hasSize(1);
        assertThat(r.host()).isEqualTo(host);
        assertThat(r.ip()).isEqualTo("127.0.0.2");
        assertThat(r.port()).isEqualTo(mx.port());
        assertThat(mx.messages()).isEqualTo(1);
        assertThat(dns.lookups).as("DNS MX lookup").isEmpty();
        assertThat(plugin.mxDomains).containsExactly("example.com");
    }

    @Test
    void hostName() {
        DeliveryResult r = deliverWith(MxAnswer.of("relay.test"), "outbound.smtp_port", String.valueOf(mx.port()));
        assertDeliveredToTheFakeMx(r, "relay.test");
        assertThat(dns.resolved).containsExactly(List.of(MxRoute.of(0, "relay.test")));
    }

    @Test
    void hostNameAndPort() {
        assertDeliveredToTheFakeMx(deliverWith(MxAnswer.of("relay.test:" + mx.port())), "relay.test");
    }

    @Test
    void ipAddress() {
        assertDeliveredToTheFakeMx(deliverWith(MxAnswer.of("127.0.0.2"), "outbound.smtp_port", String.valueOf(mx.port())), "127.0.0.2");
    }

    @Test
    void ipAddressAndPort() {
        assertDeliveredToTheFakeMx(deliverWith(MxAnswer.of(mx.hostPort())), "127.0.0.2");
    }

    @Test
    void mxObjectWithPortBindAndLmtp() {
        try (FakeMx lmtp = FakeMx.builder().bind("127.0.0.3").lmtp().start()) {
            DeliveryResult r = deliverWith(MxAnswer.of(new MxRoute(5, "127.0.0.3", lmtp.port(), "127.0.0.5", true)));

            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(r.mode()).isEqualTo("LMTP");
            assertThat(r.port()).isEqualTo(lmtp.port());
            assertThat(lmtp.transcript(1).commands()).startsWith("LHLO outflow.test");
            assertThat(lmtp.transcript(1).client().getAddress().getHostAddress()).isEqualTo("127.0.0.5");
        }
    }

    @Test
    void listOfRoutesIsTriedInOrder() {
        MxRoute dead = new MxRoute(0, "127.0.0.4", closedPort("127.0.0.4"), null, false);
        MxRoute good = new MxRoute(10, "relay.test", mx.port(), null, false);
        assertDeliveredToTheFakeMx(deliverWith(MxAnswer.of(List.of(dead, good))), "relay.test");
    }

    @Test
    void outboundBindAppliesWhenTheRouteNamesNone() {
        deliverWith(MxAnswer.of(mx.hostPort()), "outbound.bind", "127.0.0.6");
        assertThat(mx.transcript(1).client().getAddress().getHostAddress()).isEqualTo("127.0.0.6");
    }

    @Test
    void denyBouncesAndDenysoftDefers() {
        DeliveryResult denied = deliverWith(MxAnswer.deny("no route for you"));
        assertThat(denied.recipients()).singleElement().satisfies(rr -> {
            assertThat(rr.status()).isEqualTo(Status.BOUNCED);
            assertThat(rr.response()).isEqualTo("no route for you");
        });
        DeliveryResult later = deliverWith(MxAnswer.denysoft("routing table loading"));
        assertThat(later.recipients()).singleElement().extracting(RecipientResult::status).isEqualTo(Status.DEFERRED);
        assertThat(mx.connections()).isZero();
    }
}

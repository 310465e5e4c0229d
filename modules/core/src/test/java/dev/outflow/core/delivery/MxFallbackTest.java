package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.closedPort;
import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static dev.outflow.core.delivery.StaticMxLookup.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.mx.MxHost;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.testkit.smtp.FakeMx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MXs are tried in order, and each MX's addresses in order, until one takes part. */
class MxFallbackTest {
    private static final List<String> RCPTS = List.of("a@example.com", "b@example.com");

    @Test
    void firstMxRefusingConnectionsFallsBackToTheSecond() {
        try (FakeMx mx2 = FakeMx.builder().bind("127.0.0.3").start();
             FakeMx mx3 = FakeMx.builder().bind("127.0.0.4").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com",
                     host(10, "mx1.example.com", "127.0.0.2", closedPort("127.0.0.2")),
                     host(20, "mx2.example.com", mx2),
                     host(30, "mx3.example.com", mx3)), config())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            assertThat(r.recipients()).extracting(RecipientResult::status).containsOnly(Status.DELIVERED);
            assertThat(r.host()).isEqualTo("mx2.example.com");
            assertThat(r.ip()).isEqualTo("127.0.0.3");
            assertThat(r.port()).isEqualTo(mx2.port());
            assertThat(mx2.received()).singleElement().satisfies(m -> assertThat(m.recipients()).isEqualTo(RCPTS));
            assertThat(mx3.connections()).isZero();
        }
    }

    @Test
    void addressesOfOneMxAreTriedInOrder() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.3").start()) {
            // 127.0.0.2 has nothing on the FakeMx's port
            MxHost twoAddresses = new MxHost(new MxRoute(10, "mx.example.com", mx.port(), null, false),
                    List.of(ip("127.0.0.2"), ip("127.0.0.3")));
            try (Deliverer d = deliverer(StaticMxLookup.of("example.com", twoAddresses), config())) {
                DeliveryResult r = d.deliver(delivery(RCPTS));

                assertThat(r.with(Status.DELIVERED)).hasSize(2);
                assertThat(r.ip()).isEqualTo("127.0.0.3");
            }
        }
    }

    @Test
    void allMxsRefusingDefersEveryRecipientWithTheLastError() {
        int port2 = closedPort("127.0.0.3");
        try (Deliverer d = deliverer(StaticMxLookup.of("example.com",
                host(10, "mx1.example.com", "127.0.0.2", closedPort("127.0.0.2")),
                host(20, "mx2.example.com", "127.0.0.3", port2)), config())) {
            DeliveryResult r = d.deliver(delivery(RCPTS));

            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.code()).isZero();
                assertThat(rr.enhancedCode()).isEqualTo("4.4.1");
                assertThat(rr.response()).contains("mx2.example.com[127.0.0.3]:" + port2).contains("tried 2 addresses");
            });
            assertThat(r.host()).isNull();
        }
    }

    @Test
    void anMxThatDoesNotAcceptTheConnectionInTimeIsSkipped() throws Exception {
        // a listener that never accepts, with its backlog filled: further SYNs go unanswered
        try (ServerSocket full = new ServerSocket(0, 1, ip("127.0.0.5"));
             FakeMx ok = FakeMx.builder().bind("127.0.0.3").start()) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                    } catch (IOException e) {
                        s.close();
                        break;
                    }
                    fillers.add(s);
                }
                try (Deliverer d = deliverer(StaticMxLookup.of("example.com",
                        host(10, "slow.example.com", "127.0.0.5", full.getLocalPort()), host(20, "ok.example.com", ok)),
                        config("outbound.connect_timeout", "300ms"))) {
                    long start = System.nanoTime();
                    DeliveryResult r = d.deliver(delivery(RCPTS));

                    assertThat(r.host()).isEqualTo("ok.example.com");
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
                }
            } finally {
                for (Socket s : fillers) s.close();
            }
        }
    }

    @Test
    void anMxWithoutAddressesIsSkipped() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com",
                     new MxHost(MxRoute.of(10, "gone.example.com"), List.of()),
                     host(20, "mx.example.com", mx)), config())) {
            assertThat(d.deliver(delivery(RCPTS)).with(Status.DELIVERED)).hasSize(2);
        }
    }
}

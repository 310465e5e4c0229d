package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.mx.MxLookupResult;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** send_email can postpone an attempt; the result says where it delivered (the hook is the worker's); DNS failures decide every recipient. */
class DeliveryHooksTest {
    @Test
    void sendEmailDelayPostponesWithoutContactingAnyServer() {
        RecordingPlugin plugin = new RecordingPlugin();
        plugin.sendEmail = HookResult.delay(Duration.ofSeconds(30));
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config(), new PluginChain(List.of(plugin)))) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com", "b@example.com")));

            assertThat(r.delay()).isEqualTo(Duration.ofSeconds(30));
            assertThat(r.recipients()).extracting(RecipientResult::status).containsOnly(Status.DEFERRED);
            assertThat(plugin.mxDomains).isEmpty();
            assertThat(mx.connections()).isZero();
        }
    }

    @Test
    void theDelivererReportsWhereItDeliveredButLeavesTheDeliveredHookToTheCaller() {
        RecordingPlugin plugin = new RecordingPlugin();
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").rcpt("bad@example.com", 550, "5.1.1 unknown").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config(), new PluginChain(List.of(plugin)))) {
            DeliveryResult r = d.deliver(delivery(List.of("a@example.com", "bad@example.com", "c@example.com")));

            // The worker calls the hook once, after the commit, from these fields (DispositionPlan).
            assertThat(plugin.delivered).isEmpty();
            assertThat(r.host()).isEqualTo("mx.example.com");
            assertThat(r.ip()).isEqualTo("127.0.0.2");
            assertThat(r.port()).isEqualTo(mx.port());
            assertThat(r.mode()).isEqualTo("SMTP");
            assertThat(r.recipients()).filteredOn(rr -> rr.status() == Status.DELIVERED)
                    .extracting(RecipientResult::address).containsExactly("a@example.com", "c@example.com");
        }
    }

    @Test
    void aPermanentDnsFailureBouncesAndATemporaryOneDefers() {
        StaticMxLookup dns = new StaticMxLookup()
                .failing("gone.example", new MxLookupResult.Failed(true, 550, "5.1.2", "domain gone.example does not exist"))
                .failing("flaky.example", new MxLookupResult.Failed(false, 451, "4.4.3", "DNS timeout for flaky.example"));
        try (Deliverer d = deliverer(dns, config())) {
            DeliveryResult gone = d.deliver(delivery(List.of("a@gone.example")));
            assertThat(gone.recipients()).singleElement().satisfies(rr -> {
                assertThat(rr.status()).isEqualTo(Status.BOUNCED);
                assertThat(rr.enhancedCode()).isEqualTo("5.1.2");
                assertThat(rr.diagnostic()).isEqualTo("550 5.1.2 domain gone.example does not exist");
            });
            DeliveryResult flaky = d.deliver(delivery(List.of("a@flaky.example")));
            assertThat(flaky.recipients()).singleElement().satisfies(rr -> {
                assertThat(rr.status()).isEqualTo(Status.DEFERRED);
                assertThat(rr.enhancedCode()).isEqualTo("4.4.3");
            });
        }
    }

}

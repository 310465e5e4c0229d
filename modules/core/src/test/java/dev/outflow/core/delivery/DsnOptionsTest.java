package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.bounce.BounceBuilder;
import dev.outflow.core.bounce.BounceTemplate;
import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.disposition.Disposition;
import dev.outflow.core.disposition.DispositionPlan;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.retry.RetrySchedule;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RFC 3461 over real sockets: options travel to an MX that offers DSN and not to one that does
 * not; Outflow's own DSNs obey NOTIFY (NEVER, SUCCESS, DELAY) and RET=HDRS, with ENVID and ORCPT
 * written back.
 */
class DsnOptionsTest {
    static final String BOB = "bob@example.com";
    static final String CAROL = "carol@example.com";
    static final DsnRequest OPTIONS = new DsnRequest("HDRS", "order+2B42", Map.of(
            BOB, new DsnRequest.Recipient("SUCCESS,DELAY", "rfc822;bob+40old.example"),
            CAROL, new DsnRequest.Recipient("NEVER", null)), false);

    final Disposition disposition = new Disposition(() -> RetrySchedule.parse("1m*3"), PluginChain.empty(),
            new BounceBuilder("mx.outflow.test", 10 << 20, BounceTemplate.builtIn(), Fixtures.CLOCK, () -> "dsn-1"))
            .delayWarning(() -> Duration.ofHours(4));

    static Delivery delivery(Instant queuedAt, DsnRequest dsn) {
        byte[] m = "From: alice@outflow.test\r\nSubject: options\r\n\r\nthe body text\r\n".getBytes(StandardCharsets.US_ASCII);
        return new Delivery("msg-1", "alice@outflow.test", List.of(BOB, CAROL), "example.com", m, queuedAt, 0, Map.of(), null, null, dsn);
    }

    @Test
    void optionsArePassedToAnMxThatOffersDsnAndItsSuccessIsNotOurs() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").extension("DSN").start();
             Deliverer d = new Deliverer(() -> Fixtures.config(), PluginChain.empty(),
                     StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), Clock.systemUTC())) {
            Delivery msg = delivery(Fixtures.QUEUED_AT, OPTIONS);
            DeliveryResult r = d.deliver(msg);

            assertThat(r.dsnPassedOn()).isTrue();
            assertThat(mx.transcript(1).commands()).contains("RCPT TO:<bob@example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+40old.example",
                    "RCPT TO:<carol@example.com> NOTIFY=NEVER");
            assertThat(mx.received().get(0).mailParameters()).contains("RET=HDRS", "ENVID=order+2B42");
            assertThat(disposition.decide(msg, r, Instant.now()).notices()).isEmpty();
        }
    }

    @Test
    void anMxWithoutDsnGetsNoOptionsAndNotifySuccessGetsARelayedNotice() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = new Deliverer(() -> Fixtures.config(), PluginChain.empty(),
                     StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), Clock.systemUTC())) {
            Delivery msg = delivery(Fixtures.QUEUED_AT, OPTIONS);
            DeliveryResult r = d.deliver(msg);

            assertThat(r.with(Status.DELIVERED)).hasSize(2);
            assertThat(mx.transcript(1).commands()).contains("RCPT TO:<bob@example.com>", "RCPT TO:<carol@example.com>");
            assertThat(mx.received().get(0).mailParameters()).noneMatch(p -> p.startsWith("RET=") || p.startsWith("ENVID="));

            DispositionPlan plan = disposition.decide(msg, r, Instant.now());
            assertThat(plan.notices()).singleElement().satisfies(n -> {
                String text = new String(n.contents(), StandardCharsets.UTF_8);
                assertThat(n.recipients()).containsExactly("alice@outflow.test");
                assertThat(n.mailFrom()).isEmpty();
                assertThat(text).contains("Subject: Delivery Status Notification (Relayed)", "Original-Envelope-Id: order+42",
                        "Original-Recipient: rfc822; bob@old.example", "Final-Recipient: rfc822; bob@example.com", "Action: relayed",
                        "Status: 2.0.0", "text/rfc822-headers").doesNotContain("carol@example.com>").doesNotContain("the body text");
            });
        }
    }

    @Test
    void notifyNeverGetsNoFailureDsnAndRetHdrsReturnsHeadersOnly() {
        Delivery msg = delivery(Fixtures.QUEUED_AT, OPTIONS);
        DeliveryResult both550 = new DeliveryResult(List.of(RecipientResult.of(BOB, 550, "5.1.1", "no such user"),
                RecipientResult.of(CAROL, 550, "5.1.1", "no such user")), "mx.example.com", "127.0.0.2", 25, "SMTP", false, null);

        DispositionPlan plan = disposition.decide(msg, both550, Instant.now());
        // bob's NOTIFY lacks FAILURE too, carol's is NEVER: both bounce, nobody is told.
        assertThat(plan.bounced().orElseThrow().recipients()).hasSize(2);
        assertThat(plan.bounced().get().dsn()).isEmpty();
        assertThat(plan.bounced().get().noDsnReason()).isEqualTo("NOTIFY does not include FAILURE");

        DsnRequest hdrs = new DsnRequest("HDRS", null, Map.of(BOB, new DsnRequest.Recipient("FAILURE", null)), false);
        Delivery dsn = disposition.decide(delivery(Fixtures.QUEUED_AT, hdrs), both550, Instant.now()).bounced().orElseThrow().dsn().orElseThrow();
        String text = new String(dsn.contents(), StandardCharsets.UTF_8);
        assertThat(text).contains("Final-Recipient: rfc822; bob@example.com", "Action: failed", "text/rfc822-headers",
                "Subject: options").doesNotContain("the body text");
        assertThat(text).as("carol gave no NOTIFY: failures are reported by default").contains("Final-Recipient: rfc822; carol@example.com");
    }

    @Test
    void oneDelayNoticeAfterTheDelayWarning() {
        Instant queued = Instant.parse("2026-01-01T00:00:00Z");
        DeliveryResult both451 = new DeliveryResult(List.of(RecipientResult.of(BOB, 451, "4.3.0", "try later"),
                RecipientResult.of(CAROL, 451, "4.3.0", "try later")), "mx.example.com", "127.0.0.2", 25, "SMTP", false, null);

        DispositionPlan early = disposition.decide(delivery(queued, OPTIONS), both451, queued.plus(Duration.ofHours(3)));
        assertThat(early.notices()).isEmpty();

        DispositionPlan late = disposition.decide(delivery(queued, OPTIONS), both451, queued.plus(Duration.ofHours(4)));
        assertThat(late.notices()).singleElement().satisfies(n -> assertThat(new String(n.contents(), StandardCharsets.UTF_8))
                .contains("Subject: Delivery Status Notification (Delay)", "Action: delayed", "Status: 4.3.0",
                        "Final-Recipient: rfc822; bob@example.com").doesNotContain("Final-Recipient: rfc822; carol@example.com"));
        Delivery retry = late.deferred().orElseThrow().retry();
        assertThat(retry.dsn().delayNotified()).isTrue();
        assertThat(retry.dsn().recipients()).containsOnlyKeys(BOB, CAROL);

        DispositionPlan again = disposition.decide(retry, both451, queued.plus(Duration.ofHours(6)));
        assertThat(again.notices()).as("once per message").isEmpty();
    }
}

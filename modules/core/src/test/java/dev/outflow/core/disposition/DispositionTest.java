package dev.outflow.core.disposition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.bounce.BounceBuilder;
import dev.outflow.core.bounce.BounceTemplate;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.core.disposition.DispositionPlan.Bounce;
import dev.outflow.core.disposition.DispositionPlan.Deferral;
import dev.outflow.core.hooks.BounceError;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.retry.RetrySchedule;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DispositionTest {
    static final Instant NOW = Instant.parse("2025-06-03T11:05:30Z");
    static final Instant QUEUED = Instant.parse("2025-06-03T11:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String MESSAGE = "From: alice@sender.example\r\nSubject: hi\r\nMessage-ID: <m1@sender.example>\r\n\r\nbody\r\n";

    static final String BOB = "bob@dest.example";
    static final String CAROL = "carol@dest.example";
    static final String DAVE = "dave@dest.example";
    static final RecipientResult BOB_250 = RecipientResult.of(BOB, 250, "2.0.0", "ok queued as 123");
    static final RecipientResult CAROL_450 = RecipientResult.of(CAROL, 450, "4.2.2", "mailbox full");
    static final RecipientResult DAVE_550 = RecipientResult.of(DAVE, 550, "5.1.1", "no such user");

    /** A plugin that records hook calls and answers as told. */
    static final class RecordingPlugin implements OutboundPlugin {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<MessageView> views = new CopyOnWriteArrayList<>();
        final List<BounceError> bounceErrors = new CopyOnWriteArrayList<>();
        volatile HookResult deferredAnswer = HookResult.cont();
        volatile HookResult bounceAnswer = HookResult.cont();

        @Override
        public HookResult deferred(MessageView message, Duration delay, String error) {
            calls.add("deferred " + delay + " " + error);
            views.add(message);
            return deferredAnswer;
        }

        @Override
        public HookResult bounce(MessageView message, BounceError error) {
            calls.add("bounce " + error.message());
            views.add(message);
            bounceErrors.add(error);
            return bounceAnswer;
        }
    }

    final RecordingPlugin plugin = new RecordingPlugin();
    final AtomicReference<RetrySchedule> schedule = new AtomicReference<>(RetrySchedule.parse("1m, 5m, 1h"));
    final BounceBuilder bounces = new BounceBuilder("mx.outflow.test", 10 << 20, BounceTemplate.builtIn(), CLOCK, () -> "dsn-1");
    final Disposition disposition = new Disposition(schedule::get, new PluginChain(List.of(plugin)), bounces);

    static Delivery delivery(String sender, int attempt, String bounceOf, String... rcpts) {
        return new Delivery("m-1", sender, List.of(rcpts), "dest.example", MESSAGE.getBytes(StandardCharsets.US_ASCII),
                QUEUED, attempt, Map.of("k", "v"), bounceOf, attempt > 0 ? "earlier error" : null);
    }

    static DeliveryResult result(RecipientResult... r) {
        return new DeliveryResult(List.of(r), "mx1.dest.example", "192.0.2.1", 25, "SMTP", true, null);
    }

    @Test
    void all_delivered() {
        DispositionPlan plan = disposition.decide(delivery("alice@sender.example", 2, null, BOB), result(BOB_250), NOW);

        assertThat(plan.delivered()).containsExactly(BOB_250);
        assertThat(plan.deferred()).isEmpty();
        assertThat(plan.dropped()).isEmpty();
        assertThat(plan.bounced()).isEmpty();
        assertThat(plan.isFinal()).isTrue();
        assertThat(plugin.calls).isEmpty();
        var hook = plan.deliveredHookParams().orElseThrow();
        assertThat(hook.host()).isEqualTo("mx1.dest.example");
        assertThat(hook.ip()).isEqualTo("192.0.2.1");
        assertThat(hook.response()).isEqualTo("ok queued as 123");
        assertThat(hook.delay()).isEqualTo(Duration.ofSeconds(330));
        assertThat(hook.okRecipients()).containsExactly(BOB);
    }

    @Test
    void mixed_250_450_550_delivers_defers_and_bounces_with_one_dsn() throws Exception {
        Delivery d = delivery("alice@sender.example", 0, null, BOB, CAROL, DAVE);
        DispositionPlan plan = disposition.decide(d, result(BOB_250, CAROL_450, DAVE_550), NOW);

        assertThat(plan.delivered()).containsExactly(BOB_250);

        Deferral def = plan.deferred().orElseThrow();
        assertThat(def.recipients()).containsExactly(CAROL_450);
        assertThat(def.counted()).isTrue();
        assertThat(def.delay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(def.notBefore()).isEqualTo(NOW.plus(Duration.ofMinutes(1)));
        assertThat(def.error()).isEqualTo("450 4.2.2 mailbox full");
        Delivery retry = def.retry();
        assertThat(retry.id()).isEqualTo("m-1");
        assertThat(retry.recipients()).containsExactly(CAROL);
        assertThat(retry.attempt()).isEqualTo(1);
        assertThat(retry.lastError()).isEqualTo("450 4.2.2 mailbox full");
        assertThat(retry.contents()).isEqualTo(d.contents());
        assertThat(retry.notes()).isEqualTo(d.notes());
        assertThat(retry.queuedAt()).isEqualTo(QUEUED);

        Bounce b = plan.bounced().orElseThrow();
        assertThat(b.recipients()).containsExactly(DAVE_550);
        assertThat(b.error().message()).isEqualTo("550 5.1.1 no such user");
        assertThat(b.error().mx().exchange()).isEqualTo("mx1.dest.example");
        Delivery dsn = b.dsn().orElseThrow();
        assertThat(b.noDsnReason()).isNull();
        assertThat(dsn.mailFrom()).isEmpty();
        assertThat(dsn.recipients()).containsExactly("alice@sender.example");
        assertThat(dsn.domain()).isEqualTo("sender.example");
        assertThat(dsn.bounceOf()).isEqualTo("m-1");
        String raw = new String(dsn.contents(), StandardCharsets.UTF_8);
        assertThat(raw).containsPattern("(?m)^Final-Recipient: rfc822; dave@dest.example$").containsPattern("(?m)^Status: 5\\.1\\.1$")
                .doesNotContain("Final-Recipient: rfc822; carol").doesNotContain("Final-Recipient: rfc822; bob");

        // the deferred hook saw only the deferred recipient with the incremented count
        assertThat(plugin.calls).containsExactly("deferred PT1M 450 4.2.2 mailbox full", "bounce 550 5.1.1 no such user");
        assertThat(plugin.views.get(0).recipients()).containsExactly(CAROL);
        assertThat(plugin.views.get(0).numFailures()).isEqualTo(1);
        assertThat(plugin.views.get(1).recipients()).containsExactly(DAVE);
        assertThat(plugin.bounceErrors.getFirst().bouncedRcpt()).containsExactly(DAVE_550);
        assertThat(plugin.bounceErrors.getFirst().deferredRcpt()).isEmpty();
        assertThat(plan.isFinal()).isFalse();
    }

    @Test
    void partial_results_never_reset_the_attempt_count() {
        DispositionPlan plan = disposition.decide(delivery("alice@sender.example", 1, null, BOB, CAROL),
                result(BOB_250, CAROL_450), NOW);
        Deferral def = plan.deferred().orElseThrow();
        assertThat(def.retry().attempt()).isEqualTo(2);
        assertThat(def.delay()).isEqualTo(Duration.ofMinutes(5)); // second entry of "1m, 5m, 1h"
    }

    @Test
    void deferred_hook_ok_drops_the_deferred_recipients() {
        plugin.deferredAnswer = HookResult.ok();
        DispositionPlan plan = disposition.decide(delivery("alice@sender.example", 0, null, BOB, CAROL),
                result(BOB_250, CAROL_450), NOW);

        assertThat(plan.dropped()).containsExactly(CAROL_450);
        assertThat(plan.deferred()).isEmpty();
        assertThat(plan.bounced()).isEmpty();
        assertThat(plan.delivered()).containsExactly(BOB_250);
        assertThat(plan.isFinal()).isTrue();
    }

    @Test
    void deferred_hook_denysoft_sets_the_delay() {
        plugin.deferredAnswer = HookResult.denysoft(Duration.ofSeconds(30));
        Deferral def = disposition.decide(delivery("alice@sender.example", 0, null, CAROL), result(CAROL_450), NOW)
                .deferred().orElseThrow();
        assertThat(def.delay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(def.notBefore()).isEqualTo(NOW.plusSeconds(30));
        assertThat(def.retry().attempt()).isEqualTo(1);

        plugin.deferredAnswer = HookResult.denysoft("45"); // Haraka's next(DENYSOFT, seconds)
        assertThat(disposition.decide(delivery("alice@sender.example", 0, null, CAROL), result(CAROL_450), NOW)
                .deferred().orElseThrow().delay()).isEqualTo(Duration.ofSeconds(45));

        plugin.deferredAnswer = HookResult.denysoft("try later"); // not a delay: the schedule's stands
        assertThat(disposition.decide(delivery("alice@sender.example", 0, null, CAROL), result(CAROL_450), NOW)
                .deferred().orElseThrow().delay()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void exhausted_retries_bounce_with_the_deferred_recipients_in_the_error_and_the_dsn() {
        // "1m, 5m, 1h": three retries; this is the fourth failure
        Delivery d = delivery("alice@sender.example", 3, null, BOB, CAROL, DAVE);
        DispositionPlan plan = disposition.decide(d, result(BOB_250, CAROL_450, DAVE_550), NOW);

        assertThat(plan.deferred()).isEmpty();
        assertThat(plan.isFinal()).isTrue();
        Bounce b = plan.bounced().orElseThrow();
        assertThat(b.error().deferredRcpt()).containsExactly(CAROL_450);
        assertThat(b.error().bouncedRcpt()).containsExactly(DAVE_550);
        assertThat(b.expired()).containsExactly(CAROL_450);
        assertThat(b.recipients()).extracting(RecipientResult::address).containsExactly(DAVE, CAROL);
        assertThat(b.recipients()).extracting(RecipientResult::status).containsOnly(Status.BOUNCED);
        assertThat(b.recipients().get(1).code()).isEqualTo(450);
        String raw = new String(b.dsn().orElseThrow().contents(), StandardCharsets.UTF_8);
        assertThat(raw).contains("Final-Recipient: rfc822; carol@dest.example").containsPattern("(?m)^Status: 4\\.2\\.2$")
                .contains("Final-Recipient: rfc822; dave@dest.example").containsPattern("(?m)^Status: 5\\.1\\.1$");
        assertThat(plugin.calls).containsExactly("bounce 550 5.1.1 no such user"); // no deferred hook
        assertThat(plugin.views.getFirst().recipients()).containsExactly(DAVE, CAROL);
        assertThat(plugin.views.getFirst().numFailures()).isEqualTo(4);
    }

    @Test
    void expired_alone_says_too_many_failures() {
        DispositionPlan plan = disposition.decide(delivery("alice@sender.example", 3, null, CAROL), result(CAROL_450), NOW);
        Bounce b = plan.bounced().orElseThrow();
        assertThat(b.error().message()).isEqualTo("Too many failures (450 4.2.2 mailbox full)");
        assertThat(b.error().bouncedRcpt()).isEmpty();
        assertThat(b.dsn()).isPresent();
    }

    @Test
    void none_bounces_the_first_temporary_failure() {
        schedule.set(RetrySchedule.none());
        DispositionPlan plan = disposition.decide(delivery("alice@sender.example", 0, null, CAROL), result(CAROL_450), NOW);
        assertThat(plan.deferred()).isEmpty();
        assertThat(plan.bounced().orElseThrow().expired()).containsExactly(CAROL_450);
    }

    @Test
    void the_schedule_is_read_on_every_decision_so_hot_reload_applies() {
        Delivery d = delivery("alice@sender.example", 0, null, CAROL);
        assertThat(disposition.decide(d, result(CAROL_450), NOW).deferred().orElseThrow().delay()).isEqualTo(Duration.ofMinutes(1));
        schedule.set(RetrySchedule.parse("10s"));
        assertThat(disposition.decide(d, result(CAROL_450), NOW).deferred().orElseThrow().delay()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void bounce_hook_ok_means_no_dsn() {
        plugin.bounceAnswer = HookResult.ok();
        Bounce b = disposition.decide(delivery("alice@sender.example", 0, null, DAVE), result(DAVE_550), NOW).bounced().orElseThrow();
        assertThat(b.dsn()).isEmpty();
        assertThat(b.noDsnReason()).isEqualTo("bounce hook said OK");
        assertThat(b.recipients()).containsExactly(DAVE_550);
    }

    @Test
    void null_sender_gets_no_dsn_but_the_bounce_hook_still_runs() {
        Bounce b = disposition.decide(delivery("", 0, null, DAVE), result(DAVE_550), NOW).bounced().orElseThrow();
        assertThat(b.dsn()).isEmpty();
        assertThat(b.noDsnReason()).isEqualTo("null sender");
        assertThat(plugin.calls).containsExactly("bounce 550 5.1.1 no such user");
    }

    @Test
    void a_dsn_that_bounces_gets_no_dsn() {
        Bounce b = disposition.decide(delivery("", 0, "original-id", DAVE), result(DAVE_550), NOW).bounced().orElseThrow();
        assertThat(b.dsn()).isEmpty();
        assertThat(b.noDsnReason()).isEqualTo("message is itself a DSN");
        // bounceOf alone makes it exempt, even with a sender
        Bounce b2 = disposition.decide(delivery("x@y.example", 0, "original-id", DAVE), result(DAVE_550), NOW).bounced().orElseThrow();
        assertThat(b2.dsn()).isEmpty();
    }

    @Test
    void send_email_delay_defers_without_counting_and_without_the_deferred_hook() {
        Delivery d = delivery("alice@sender.example", 3, null, BOB, CAROL);
        DispositionPlan plan = disposition.decide(d, DeliveryResult.delayed(d.recipients(), Duration.ofMinutes(2)), NOW);

        Deferral def = plan.deferred().orElseThrow();
        assertThat(def.counted()).isFalse();
        assertThat(def.delay()).isEqualTo(Duration.ofMinutes(2));
        assertThat(def.notBefore()).isEqualTo(NOW.plus(Duration.ofMinutes(2)));
        assertThat(def.retry().attempt()).isEqualTo(3);
        assertThat(def.retry().lastError()).isEqualTo("earlier error");
        assertThat(def.retry().recipients()).containsExactly(BOB, CAROL);
        assertThat(plan.bounced()).isEmpty(); // even though retries (3) are used up
        assertThat(plugin.calls).isEmpty();
    }

    @Test
    void a_recipient_missing_from_the_result_is_deferred_not_lost() {
        DispositionPlan plan = disposition.decide(delivery("alice@sender.example", 0, null, BOB, CAROL), result(BOB_250), NOW);
        Deferral def = plan.deferred().orElseThrow();
        assertThat(def.retry().recipients()).containsExactly(CAROL);
        assertThat(def.recipients().getFirst().response()).isEqualTo("no result from the delivery attempt");
    }

    @Test
    void a_sender_without_domain_is_a_double_bounce_not_a_crash() {
        Bounce b = disposition.decide(delivery("postmaster", 0, null, DAVE), result(DAVE_550), NOW).bounced().orElseThrow();
        assertThat(b.dsn()).isEmpty();
        assertThat(b.noDsnReason()).startsWith("cannot build DSN").contains("has no domain");
    }

    @Test
    void connection_level_failures_without_server_defer_everyone() {
        Delivery d = delivery("alice@sender.example", 0, null, BOB, CAROL);
        DispositionPlan plan = disposition.decide(d, DeliveryResult.all(d.recipients(), 0, "4.4.1", "connection refused"), NOW);
        Deferral def = plan.deferred().orElseThrow();
        assertThat(def.retry().recipients()).containsExactly(BOB, CAROL);
        assertThat(def.error()).isEqualTo("4.4.1 connection refused");
    }

    @Test
    void from_config_follows_the_hot_key() {
        AtomicReference<dev.outflow.core.config.Config> cfg = new AtomicReference<>(
                dev.outflow.core.config.Config.of(Map.of("outbound.temp_fail_intervals", "2m")));
        Supplier<dev.outflow.core.config.Config> live = cfg::get;
        Disposition fromConfig = Disposition.fromConfig(live, PluginChain.empty(), bounces);
        Delivery d = delivery("alice@sender.example", 0, null, CAROL);
        assertThat(fromConfig.decide(d, result(CAROL_450), NOW).deferred().orElseThrow().delay()).isEqualTo(Duration.ofMinutes(2));
        cfg.set(cfg.get().with(Map.of("outbound.temp_fail_intervals", "none")));
        assertThat(fromConfig.decide(d, result(CAROL_450), NOW).bounced()).isPresent();
    }
}

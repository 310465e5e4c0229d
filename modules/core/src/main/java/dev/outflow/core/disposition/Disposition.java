package dev.outflow.core.disposition;

import dev.outflow.core.bounce.BounceBuilder;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.config.ValueType;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.DsnRequest;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.disposition.DispositionPlan.Bounce;
import dev.outflow.core.disposition.DispositionPlan.Deferral;
import dev.outflow.core.hooks.BounceError;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.core.retry.RetrySchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what one delivery attempt means: which recipients are done, which to retry and when,
 * which bounce and whether the sender gets a DSN. The result is a {@link DispositionPlan} that
 * the worker turns into events and records; nothing is published here.
 *
 * <h2>Rules (Haraka's outbound, per recipient of the attempt)</h2>
 * <ul>
 * <li>DELIVERED → {@code plan.delivered}.
 * <li>send_email DELAY ({@code result.delay() != null}) → every deferred recipient is retried after
 *     that delay with {@code attempt} unchanged; the deferred hook is not called.
 * <li>DEFERRED → failures = {@code attempt + 1}; the retry schedule gives the delay
 *     ({@link RetrySchedule#delayAfter}). The deferred hook sees the retry (only these recipients,
 *     {@code numFailures} = failures): OK drops them ({@code plan.dropped}); DENYSOFT with a delay
 *     (or a number of seconds as its message, as in Haraka) replaces the delay; CONT keeps it. The
 *     retry keeps the id, has {@code attempt} = failures and {@code lastError} set.
 * <li>DEFERRED with no retry left → bounced with the last temporary result (the BounceError's
 *     {@code deferredRcpt}); reason {@code Too many failures (<error>)} when nothing else bounced.
 * <li>Cancelled by an operator ({@code result.cancelled()}) → every recipient dropped; no hook, no DSN.
 * <li>BOUNCED → bounced. The bounce hook runs once for all bounced recipients (permanent now and
 *     expired); then one DSN covers them all, unless the message is bounce-exempt (null sender or
 *     itself a DSN), the hook said OK, or the DSN cannot be built (logged, as Haraka's double bounce).
 * </ul>
 * Partial results never reset the attempt count: delivered recipients leave the message and the
 * rest keep counting. A recipient of the delivery missing from the result is treated as deferred
 * ("no result"), so a buggy deliverer delays mail rather than losing it.
 *
 * <p>Thread-safe when the plugins are; the only side effects are the plugin hook calls.
 */
public final class Disposition {
    private static final Logger log = LoggerFactory.getLogger(Disposition.class);

    private final Supplier<RetrySchedule> schedule;
    private final PluginChain plugins;
    private final BounceBuilder bounces;
    private final DeliveryLog deliveryLog;
    private volatile Supplier<Duration> delayWarning = () -> Duration.ofHours(4);
    private final List<java.util.function.Consumer<DispositionPlan>> observers = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param schedule the current retry schedule, read on every decision (hot reload)
     * @param plugins  for the deferred and bounce hooks
     * @param bounces  builds DSNs
     */
    public Disposition(Supplier<RetrySchedule> schedule, PluginChain plugins, BounceBuilder bounces) {
        this(schedule, plugins, bounces, new DeliveryLog(() -> false));
    }

    /** As above, logging every decision to {@code deliveryLog}. */
    public Disposition(Supplier<RetrySchedule> schedule, PluginChain plugins, BounceBuilder bounces, DeliveryLog deliveryLog) {
        this.schedule = Objects.requireNonNull(schedule);
        this.plugins = Objects.requireNonNull(plugins);
        this.bounces = Objects.requireNonNull(bounces);
        this.deliveryLog = Objects.requireNonNull(deliveryLog);
    }

    /** Follows {@code outbound.temp_fail_intervals} of a live configuration (parsed only when it changes). */
    public static Disposition fromConfig(Supplier<Config> config, PluginChain plugins, BounceBuilder bounces) {
        Disposition d = new Disposition(RetrySchedule.following(() -> config.get().get(OutflowKeys.TEMP_FAIL_INTERVALS)),
                plugins, bounces, new DeliveryLog(() -> config.get().get(OutflowKeys.LOG_DELIVERIES)));
        return d.delayWarning(() -> config.get().get(OutflowKeys.DELAY_WARNING));
    }

    /** How long after queueing a recipient with NOTIFY=DELAY gets its one delay notice (default 4 h). */
    public Disposition delayWarning(Supplier<Duration> after) {
        this.delayWarning = Objects.requireNonNull(after);
        return this;
    }

    /**
     * Decides the fate of every recipient of {@code delivery} given what the attempt returned.
     *
     * @param now the time of the decision: base of {@code notBefore} and the DSN dates
     */
    public DispositionPlan decide(Delivery delivery, DeliveryResult result, Instant now) {
        if (result.cancelled() != null) {
            // The operator's decision: no hook may keep it alive, and the sender asked for nothing.
            return new DispositionPlan(delivery, result, now, List.of(), Optional.empty(), result.recipients(), Optional.empty());
        }
        List<RecipientResult> delivered = new ArrayList<>();
        List<RecipientResult> deferred = new ArrayList<>();
        List<RecipientResult> bounced = new ArrayList<>();
        sort(delivery, result, delivered, deferred, bounced);

        Optional<Deferral> deferral = Optional.empty();
        List<Delivery> notices = new ArrayList<>(0);
        successNotice(delivery, result, delivered, now).ifPresent(notices::add);
        List<RecipientResult> dropped = List.of();
        List<RecipientResult> expired = List.of();
        if (!deferred.isEmpty()) {
            if (result.delay() != null) {
                deferral = Optional.of(postponed(delivery, deferred, result.delay(), now));
            } else {
                int failures = delivery.attempt() + 1;
                String error = summary(deferred, delivery.lastError());
                Delivery retry = retry(delivery, deferred, failures, error);
                Optional<Duration> delay = schedule.get().delayAfter(failures);
                if (delay.isEmpty()) {
                    expired = deferred;
                } else {
                    HookResult hook = plugins.deferred(retry.view(), delay.get(), error);
                    if (hook.code() == HookResult.Code.OK) {
                        log.info("Deferred hook dropped {} recipient(s) of {}", deferred.size(), delivery.id());
                        dropped = deferred;
                    } else {
                        Duration d = hook.code() == HookResult.Code.DENYSOFT ? hookDelay(hook, delay.get()) : delay.get();
                        Optional<Delivery> notice = delayNotice(delivery, result, deferred, now);
                        if (notice.isPresent()) {
                            notices.add(notice.get());
                            retry = withDelayNotified(retry);
                        }
                        deferral = Optional.of(new Deferral(retry, d, now.plus(d), deferred, true, error));
                    }
                }
            }
        }
        Optional<Bounce> bounce = bounced.isEmpty() && expired.isEmpty()
                ? Optional.empty()
                : Optional.of(bounce(delivery, result, bounced, expired, now));
        DispositionPlan plan = new DispositionPlan(delivery, result, now, delivered, deferral, dropped, bounce, notices);
        deliveryLog.record(plan);
        for (var o : observers) o.accept(plan);
        return plan;
    }

    /** Calls {@code observer} with every decision (metrics); it must be quick and must not throw. */
    public void observe(java.util.function.Consumer<DispositionPlan> observer) {
        observers.add(Objects.requireNonNull(observer));
    }

    private static void sort(Delivery delivery, DeliveryResult result, List<RecipientResult> delivered,
                             List<RecipientResult> deferred, List<RecipientResult> bounced) {
        if (sameRecipients(delivery.recipients(), result.recipients())) { // the usual case: no sets to build
            for (RecipientResult r : result.recipients()) add(r, delivered, deferred, bounced);
            return;
        }
        Set<String> asked = new HashSet<>(delivery.recipients());
        Set<String> seen = new HashSet<>();
        for (RecipientResult r : result.recipients()) {
            if (!asked.contains(r.address()) || !seen.add(r.address())) {
                log.warn("Ignoring result for {} in {}: not a (single) recipient of this delivery", r.address(), delivery.id());
                continue;
            }
            add(r, delivered, deferred, bounced);
        }
        for (String rcpt : delivery.recipients()) {
            if (seen.add(rcpt)) {
                log.error("No result for {} in {}; deferring it", rcpt, delivery.id());
                deferred.add(new RecipientResult(rcpt, RecipientResult.Status.DEFERRED, 0, null, "no result from the delivery attempt"));
            }
        }
    }

    private static boolean sameRecipients(List<String> asked, List<RecipientResult> got) {
        if (asked.size() != got.size()) return false;
        for (int i = 0; i < asked.size(); i++) if (!asked.get(i).equals(got.get(i).address())) return false;
        return true;
    }

    private static void add(RecipientResult r, List<RecipientResult> delivered, List<RecipientResult> deferred,
                            List<RecipientResult> bounced) {
        switch (r.status()) {
            case DELIVERED -> delivered.add(r);
            case DEFERRED -> deferred.add(r);
            case BOUNCED -> bounced.add(r);
        }
    }

    /** NOTIFY=SUCCESS when the server could not take the request over (no DSN extension): relayed, or delivered over LMTP. */
    private Optional<Delivery> successNotice(Delivery d, DeliveryResult result, List<RecipientResult> delivered, Instant now) {
        if (d.dsn() == null || d.isBounceExempt() || result.dsnPassedOn() || delivered.isEmpty()) return Optional.empty();
        List<RecipientResult> asked = delivered.stream().filter(r -> DsnRequest.wants(d.dsn(), r.address(), "SUCCESS")).toList();
        if (asked.isEmpty()) return Optional.empty();
        BounceBuilder.Notice kind = "LMTP".equalsIgnoreCase(result.mode()) ? BounceBuilder.Notice.DELIVERED : BounceBuilder.Notice.RELAYED;
        return notice(d, kind, asked, result.host(), now);
    }

    /** NOTIFY=DELAY: one notice per message part, once it has waited outbound.delay_warning. */
    private Optional<Delivery> delayNotice(Delivery d, DeliveryResult result, List<RecipientResult> deferred, Instant now) {
        if (d.dsn() == null || d.dsn().delayNotified() || d.isBounceExempt() || d.queuedAt() == null) return Optional.empty();
        if (Duration.between(d.queuedAt(), now).compareTo(delayWarning.get()) < 0) return Optional.empty();
        List<RecipientResult> asked = deferred.stream().filter(r -> DsnRequest.wants(d.dsn(), r.address(), "DELAY")).toList();
        if (asked.isEmpty()) return Optional.empty();
        return notice(d, BounceBuilder.Notice.DELAYED, asked, result.host(), now);
    }

    private Optional<Delivery> notice(Delivery d, BounceBuilder.Notice kind, List<RecipientResult> rcpts, String host, Instant now) {
        try {
            return Optional.of(bounces.notice(d, kind, rcpts, host, now));
        } catch (RuntimeException e) {
            log.error("Cannot build a {} notice for {} to <{}>: {}", kind, d.id(), d.mailFrom(), e.getMessage());
            return Optional.empty();
        }
    }

    private static Delivery withDelayNotified(Delivery r) {
        return new Delivery(r.id(), r.mailFrom(), r.recipients(), r.domain(), r.contents(), r.queuedAt(), r.attempt(), r.notes(),
                r.bounceOf(), r.lastError(), r.dsn().withDelayNotified());
    }

    /** send_email DELAY: not a failure, so attempt, lastError and the deferred hook are left alone. */
    private static Deferral postponed(Delivery d, List<RecipientResult> deferred, Duration delay, Instant now) {
        Delivery retry = new Delivery(d.id(), d.mailFrom(), addresses(deferred), d.domain(), d.contents(), d.queuedAt(),
                d.attempt(), d.notes(), d.bounceOf(), d.lastError(), d.dsnFor(addresses(deferred)));
        return new Deferral(retry, delay, now.plus(delay), deferred, false, "delayed by send_email hook");
    }

    private static Delivery retry(Delivery d, List<RecipientResult> deferred, int failures, String error) {
        return new Delivery(d.id(), d.mailFrom(), addresses(deferred), d.domain(), d.contents(), d.queuedAt(),
                failures, d.notes(), d.bounceOf(), error, d.dsnFor(addresses(deferred)));
    }

    /** DENYSOFT(d) sets the delay; Haraka's form passes seconds as the message. */
    private static Duration hookDelay(HookResult hook, Duration scheduled) {
        if (hook.delay() != null) return hook.delay();
        if (hook.message() != null) {
            try {
                return ValueType.parseDuration(hook.message());
            } catch (IllegalArgumentException e) {
                log.warn("Deferred hook DENYSOFT message '{}' is not a delay; keeping {}", hook.message(), scheduled);
            }
        }
        return scheduled;
    }

    private Bounce bounce(Delivery d, DeliveryResult result, List<RecipientResult> bounced, List<RecipientResult> expired,
                          Instant now) {
        String message = bounced.isEmpty()
                ? "Too many failures (" + summary(expired, d.lastError()) + ")"
                : summary(bounced, null);
        BounceError error = new BounceError(message, remoteMx(result), expired, bounced);
        List<RecipientResult> failed = new ArrayList<>(bounced);
        failed.addAll(expired);
        // The hook sees the failed recipients; the attempt counts the failure that exhausted retries.
        Delivery view = new Delivery(d.id(), d.mailFrom(), addresses(failed), d.domain(), d.contents(), d.queuedAt(),
                expired.isEmpty() ? d.attempt() : d.attempt() + 1, d.notes(), d.bounceOf(), d.lastError(), d.dsnFor(addresses(failed)));
        HookResult hook = plugins.bounce(view.view(), error);
        if (d.isBounceExempt()) {
            return new Bounce(error, Optional.empty(), d.bounceOf() != null ? "message is itself a DSN" : "null sender");
        }
        if (hook.code() == HookResult.Code.OK) {
            return new Bounce(error, Optional.empty(), "bounce hook said OK");
        }
        // RFC 3461 4.1: only recipients whose NOTIFY includes FAILURE (the default) are reported.
        BounceError reported = new BounceError(error.message(), error.mx(),
                expired.stream().filter(r -> DsnRequest.wants(d.dsn(), r.address(), "FAILURE")).toList(),
                bounced.stream().filter(r -> DsnRequest.wants(d.dsn(), r.address(), "FAILURE")).toList());
        if (reported.deferredRcpt().isEmpty() && reported.bouncedRcpt().isEmpty()) {
            return new Bounce(error, Optional.empty(), "NOTIFY does not include FAILURE");
        }
        try {
            return new Bounce(error, Optional.of(bounces.build(d, reported, now)), null);
        } catch (RuntimeException e) {
            log.error("Double bounce: cannot build a DSN for {} to <{}>: {}", d.id(), d.mailFrom(), e.getMessage());
            return new Bounce(error, Optional.empty(), "cannot build DSN: " + e.getMessage());
        }
    }

    private static MxRoute remoteMx(DeliveryResult r) {
        if (r.host() == null || r.host().isBlank()) return null;
        return new MxRoute(0, r.host(), r.port(), null, "LMTP".equalsIgnoreCase(r.mode()));
    }

    /** The first result's diagnostic; the fallback when it says nothing. */
    private static String summary(List<RecipientResult> results, String fallback) {
        String s = results.getFirst().diagnostic();
        if (s.isBlank()) s = fallback == null || fallback.isBlank() ? "unknown error" : fallback;
        return s;
    }

    private static List<String> addresses(List<RecipientResult> results) {
        return results.stream().map(RecipientResult::address).toList();
    }
}

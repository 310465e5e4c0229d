package dev.outflow.core.disposition;

import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.hooks.BounceError;
import dev.outflow.core.hooks.Delivered;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What must be published after one delivery attempt: the output of {@link Disposition}. Every
 * recipient of the attempted {@link Delivery} appears in exactly one of {@link #delivered()},
 * {@link Deferral#recipients()}, {@link #dropped()} or {@link Bounce#recipients()}. Immutable.
 *
 * <h2>How the worker publishes it</h2>
 * <table>
 * <caption>plan part → events and records</caption>
 * <tr><th>part</th><th>DeliveryEvent</th><th>record</th></tr>
 * <tr><td>{@link #delivered()} non-empty</td><td>DELIVERED with these recipients, host/ip/port/mode/tls
 *     from {@link #result()}; call the delivered hook with {@link #deliveredHookParams()}</td><td>–</td></tr>
 * <tr><td>{@link #deferred()} present</td><td>DEFERRED with {@link Deferral#recipients()},
 *     {@code nextAttemptAt} = {@link Deferral#notBefore()}, {@code attempt} = retry's attempt,
 *     reason {@link Deferral#error()}</td><td>{@link Deferral#retry()} (with {@code notBefore}) to
 *     {@code outflow.deferred}, embedded in the event</td></tr>
 * <tr><td>{@link #dropped()} non-empty</td><td>DROPPED (the deferred hook said OK)</td><td>–</td></tr>
 * <tr><td>{@link #bounced()} present</td><td>BOUNCED with {@link Bounce#recipients()}, reason
 *     {@link BounceError#message()}</td><td>{@link Bounce#dsn()}, when present, to {@code outflow.outbound}
 *     keyed by its domain</td></tr>
 * </table>
 * All of a plan's events and records belong in one transaction with the consumed offset.
 *
 * @param delivery  the delivery that was attempted
 * @param result    what the attempt returned
 * @param at        when the plan was made (the {@code now} given to {@link Disposition#decide})
 * @param delivered recipients accepted by the server
 * @param deferred  recipients to retry later, if any
 * @param dropped   temporarily failed recipients the deferred hook dropped (OK)
 * @param bounced   recipients that failed for good, if any
 * @param notices   RFC 3461 notices to queue to the sender besides a failure DSN: delayed (NOTIFY=DELAY),
 *                  relayed or delivered (NOTIFY=SUCCESS)
 */
public record DispositionPlan(Delivery delivery, DeliveryResult result, Instant at, List<RecipientResult> delivered,
                              Optional<Deferral> deferred, List<RecipientResult> dropped, Optional<Bounce> bounced,
                              List<Delivery> notices) {
    public DispositionPlan(Delivery delivery, DeliveryResult result, Instant at, List<RecipientResult> delivered,
                           Optional<Deferral> deferred, List<RecipientResult> dropped, Optional<Bounce> bounced) {
        this(delivery, result, at, delivered, deferred, dropped, bounced, List.of());
    }

    /** The reason of the DROPPED event: the operator's cancellation, or the deferred hook's drop after the last error. */
    public String dropReason() {
        if (result.cancelled() != null) return result.cancelled();
        return dropped.isEmpty() ? null : "dropped by the deferred hook after: " + dropped.getFirst().diagnostic();
    }

    public DispositionPlan {
        notices = List.copyOf(notices);
        Objects.requireNonNull(delivery);
        Objects.requireNonNull(result);
        Objects.requireNonNull(at);
        delivered = List.copyOf(delivered);
        Objects.requireNonNull(deferred);
        dropped = List.copyOf(dropped);
        Objects.requireNonNull(bounced);
    }

    /**
     * Recipients to try again.
     *
     * @param retry      the message to queue again: same id, only these recipients, {@code attempt}
     *                   incremented when counted, {@code lastError} set
     * @param delay      wait before the next attempt (schedule, deferred hook DENYSOFT, or send_email DELAY)
     * @param notBefore  {@code at + delay}: the retry's {@code notBefore} (the record field; {@link Delivery}
     *                   has none)
     * @param recipients the temporary results
     * @param counted    true when this was a failure counted against the retry schedule; false for a
     *                   send_email DELAY (attempt unchanged, deferred hook not called)
     * @param error      the temporary error, for the event and the deferred hook
     */
    public record Deferral(Delivery retry, Duration delay, Instant notBefore, List<RecipientResult> recipients,
                           boolean counted, String error) {
        public Deferral {
            Objects.requireNonNull(retry);
            Objects.requireNonNull(delay);
            Objects.requireNonNull(notBefore);
            recipients = List.copyOf(recipients);
        }
    }

    /**
     * Recipients that failed for good.
     *
     * @param error       what the bounce hook saw: {@code bouncedRcpt} failed permanently now,
     *                    {@code deferredRcpt} failed temporarily with no retry left (status DEFERRED)
     * @param dsn         the DSN to queue to the sender, or empty (see {@code noDsnReason})
     * @param noDsnReason why there is no DSN ("null sender", "bounce hook said OK", ...), null when there is one
     */
    public record Bounce(BounceError error, Optional<Delivery> dsn, String noDsnReason) {
        public Bounce {
            Objects.requireNonNull(error);
            Objects.requireNonNull(dsn);
            if (dsn.isEmpty() == (noDsnReason == null)) throw new IllegalArgumentException("a DSN xor a reason for none");
        }

        /** Every failed recipient with status BOUNCED: permanent ones first, then expired ones. */
        public List<RecipientResult> recipients() {
            List<RecipientResult> all = new ArrayList<>(error.bouncedRcpt());
            for (RecipientResult r : error.deferredRcpt()) {
                all.add(new RecipientResult(r.address(), RecipientResult.Status.BOUNCED, r.code(), r.enhancedCode(), r.response()));
            }
            return all;
        }

        /** Recipients whose retries ran out (status as reported: DEFERRED). */
        public List<RecipientResult> expired() {
            return error.deferredRcpt();
        }
    }

    /** True when nothing is left to do for this message after the plan is published. */
    public boolean isFinal() {
        return deferred.isEmpty();
    }

    /**
     * Haraka's delivered hook parameters ({@code host, ip, response, delay, port, mode, ok_recips}),
     * when any recipient was delivered; delay is the time since the message was queued.
     */
    public Optional<Delivered> deliveredHookParams() {
        if (delivered.isEmpty()) return Optional.empty();
        Duration since = delivery.queuedAt() == null ? Duration.ZERO : Duration.between(delivery.queuedAt(), at);
        return Optional.of(new Delivered(result.host(), result.ip(), delivered.getFirst().response(),
                since.isNegative() ? Duration.ZERO : since, result.port(), result.mode(),
                delivered.stream().map(RecipientResult::address).toList()));
    }
}

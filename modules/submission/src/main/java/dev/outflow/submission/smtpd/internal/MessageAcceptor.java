package dev.outflow.submission.smtpd.internal;

import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.IntakeRequest;
import dev.outflow.core.intake.IntakeResult;
import dev.outflow.core.intake.RejectKind;
import dev.outflow.submission.OutboundQueue;
import dev.outflow.submission.QueueException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a complete SMTP message into its final reply: {@link Intake} decides, the
 * {@link OutboundQueue} stores, and the reply is {@code 250} only once the queue acknowledged every
 * part. A queue failure or a wait longer than the queue wait (plus a grace that lets Kafka's own
 * {@code delivery.timeout.ms} answer first) is {@code 451 4.3.0}; a record the broker finds too
 * large is {@code 552 5.3.4}. Blocks the calling (virtual) thread while waiting. Thread-safe.
 */
final class MessageAcceptor {
    private static final Logger log = LoggerFactory.getLogger(MessageAcceptor.class);
    private static final long GRACE_MILLIS = 2_000;
    private static final String UNAVAILABLE = "451 4.3.0 Queue not available, try again later";

    /** The reply, and whether the session must end after it. */
    record Answer(String reply, boolean close) {}

    private final Intake intake;
    private final OutboundQueue queue;
    private final long waitMillis;

    MessageAcceptor(Intake intake, OutboundQueue queue, Duration queueWait) {
        this.intake = intake;
        this.queue = queue;
        this.waitMillis = queueWait.toMillis() + GRACE_MILLIS;
    }

    Answer accept(IntakeRequest request) throws InterruptedException {
        return switch (intake.submit(request)) {
            case IntakeResult.Accepted a -> new Answer(awaitQueue(a), false);
            case IntakeResult.HandledByPlugin h -> new Answer("250 2.0.0 Ok: queued as " + h.id(), false);
            case IntakeResult.Rejected r -> new Answer(r.smtpReply(), r.kind() == RejectKind.DISCONNECT);
        };
    }

    private String awaitQueue(IntakeResult.Accepted a) throws InterruptedException {
        try {
            queue.enqueue(a.id(), a.parts()).get(waitMillis, TimeUnit.MILLISECONDS);
            return "250 2.0.0 Ok: queued as " + a.id();
        } catch (TimeoutException e) {
            log.warn("Message {} not acknowledged within {} ms; answered 451", a.id(), waitMillis);
            return UNAVAILABLE;
        } catch (ExecutionException e) {
            log.warn("Message {} not queued: {}", a.id(), e.getCause().toString());
            if (e.getCause() instanceof QueueException q && q.tooLarge()) return "552 5.3.4 Message too large for the queue";
            return UNAVAILABLE;
        } catch (RuntimeException e) {
            log.warn("Message {} not queued", a.id(), e);
            return UNAVAILABLE;
        }
    }
}

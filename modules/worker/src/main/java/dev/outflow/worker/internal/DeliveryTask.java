package dev.outflow.worker.internal;

import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.disposition.Disposition;
import dev.outflow.core.delivery.RecipientResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs on a delivery's virtual thread: deliver, decide (retry, bounce, DSN, hooks), and build
 * the output records. It never throws: a deliverer failure counts as a temporary failure (the
 * message is retried), and a failure after the attempt sends the record to the DLQ rather than
 * losing it. Thread-safe.
 */
final class DeliveryTask implements Consumer<Job> {
    private static final Logger log = LoggerFactory.getLogger(DeliveryTask.class);

    private final Function<Delivery, DeliveryResult> deliverer;
    private final Disposition disposition;
    private final OutputRecords outputs;
    private final Clock clock;
    private final Shaper shaper;

    DeliveryTask(Function<Delivery, DeliveryResult> deliverer, Disposition disposition, OutputRecords outputs, Clock clock,
                 Shaper shaper) {
        this.shaper = shaper;
        this.deliverer = deliverer;
        this.disposition = disposition;
        this.outputs = outputs;
        this.clock = clock;
    }

    @Override
    public void accept(Job j) {
        Delivery d = j.delivery;
        DeliveryResult result;
        j.attemptStarted();
        boolean cut;
        try {
            result = deliverer.apply(d);
        } catch (RuntimeException e) {
            log.error("Deliverer failed for message {}; deferring it", d.id(), e);
            result = DeliveryResult.all(d.recipients(), 451, "4.3.0", "internal error in the worker: " + e);
        } finally {
            cut = j.attemptEnded();
        }
        // The MX reached and whether it is throttling us: shaping keys, shared rates, back-off.
        if (j.shapeKey != null) shaper.observe(d.domain(), j.shapeKey, result);
        if (cut) result = timeBoxed(result);
        try {
            outputs.fromPlan(j, disposition.decide(d, result, clock.instant()));
        } catch (RuntimeException e) {
            log.error("Cannot record the outcome of message {}; copying it to the DLQ", d.id(), e);
            j.outputs = outputs.deadLetter(j.record, "worker failed after the delivery attempt: " + e);
            j.kinds = Job.DEAD_LETTER;
            j.delivered = null;
        }
    }

    /**
     * The result of an attempt the poll loop cut short because it held up its partition: what the
     * server already accepted stays delivered (or bounced), the rest is deferred and says why.
     */
    private static DeliveryResult timeBoxed(DeliveryResult r) {
        List<RecipientResult> out = new ArrayList<>(r.recipients().size());
        for (RecipientResult rr : r.recipients()) {
            if (rr.status() != RecipientResult.Status.DEFERRED) {
                out.add(rr);
            } else {
                out.add(new RecipientResult(rr.address(), RecipientResult.Status.DEFERRED, 451, "4.4.7",
                        "delivery attempt cut short: it held up the commit of later records of its partition for longer than "
                                + "outbound.partition_hold_timeout (" + rr.diagnostic() + ")"));
            }
        }
        return new DeliveryResult(out, r.host(), r.ip(), r.port(), r.mode(), r.tls(), r.delay(), r.dsnPassedOn(), r.tlsPolicy());
    }
}

package dev.outflow.submission.internal;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Source;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.intake.Origin;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/** Maps core's {@link Delivery} to the Avro {@link OutboundMessage} record. Stateless, thread-safe. */
public final class OutboundRecords {
    private OutboundRecords() {}

    /** A fresh record: notBefore 0 (now), not throttled. The contents are wrapped, not copied. */
    public static OutboundMessage toAvro(Delivery d, Origin origin) {
        return new OutboundMessage(d.id(), d.mailFrom(), List.copyOf(d.recipients()), d.domain(), ByteBuffer.wrap(d.contents()),
                d.queuedAt().toEpochMilli(), d.attempt(), 0L, Map.copyOf(d.notes()), d.bounceOf(),
                new Source(origin.channel(), origin.user()), d.lastError(), false, dsn(d.dsn()));
    }

    private static dev.outflow.avro.DsnOptions dsn(dev.outflow.core.delivery.DsnRequest d) {
        if (d == null) return null;
        Map<String, dev.outflow.avro.RecipientDsnOptions> rcpts = new java.util.HashMap<>();
        d.recipients().forEach((k, v) -> rcpts.put(k, new dev.outflow.avro.RecipientDsnOptions(v.notifyOn(), v.orcpt())));
        return new dev.outflow.avro.DsnOptions(d.ret(), d.envid(), rcpts, d.delayNotified());
    }
}

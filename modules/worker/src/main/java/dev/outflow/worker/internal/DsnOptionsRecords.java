package dev.outflow.worker.internal;

import dev.outflow.avro.DsnOptions;
import dev.outflow.avro.RecipientDsnOptions;
import dev.outflow.core.delivery.DsnRequest;
import java.util.HashMap;
import java.util.Map;

/** RFC 3461 options between core's {@link DsnRequest} and the record's {@link DsnOptions}; null stays null. */
final class DsnOptionsRecords {
    private DsnOptionsRecords() {}

    static DsnRequest fromRecord(DsnOptions o) {
        if (o == null) return null;
        Map<String, DsnRequest.Recipient> rcpts = new HashMap<>();
        if (o.getRecipients() != null) o.getRecipients().forEach((k, v) -> rcpts.put(k, new DsnRequest.Recipient(v.getNotify(), v.getOrcpt())));
        return new DsnRequest(o.getRet(), o.getEnvid(), rcpts, o.getDelayNotified());
    }

    static DsnOptions toRecord(DsnRequest d) {
        if (d == null) return null;
        Map<String, RecipientDsnOptions> rcpts = new HashMap<>();
        d.recipients().forEach((k, v) -> rcpts.put(k, new RecipientDsnOptions(v.notifyOn(), v.orcpt())));
        return new DsnOptions(d.ret(), d.envid(), rcpts, d.delayNotified());
    }
}

package dev.outflow.core.hooks;

import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.mx.MxRoute;
import java.util.List;

/**
 * The bounce hook's parameter (Haraka's error object): the reason text, the MX that caused the
 * bounce when one answered, recipients that bounced after being deferred until retries ran out,
 * and recipients that bounced on this attempt.
 */
public record BounceError(String message, MxRoute mx, List<RecipientResult> deferredRcpt, List<RecipientResult> bouncedRcpt) {
    public BounceError {
        deferredRcpt = List.copyOf(deferredRcpt);
        bouncedRcpt = List.copyOf(bouncedRcpt);
    }
}

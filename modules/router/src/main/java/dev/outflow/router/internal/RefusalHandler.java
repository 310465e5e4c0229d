package dev.outflow.router.internal;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' hook for a record the broker (or the producer's size check) refused: notes the
 * input it belongs to in {@link Refusals} and lets Streams continue. The transaction is poisoned
 * anyway (its commit fails, Streams processes the inputs again), and the second time the input is
 * rejected instead of routed.
 */
public final class RefusalHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(RefusalHandler.class);
    private Refusals refusals;

    @Override
    public void configure(Map<String, ?> configs) {
        refusals = (Refusals) configs.get(RouterClients.REFUSALS);
        if (refusals == null) throw new IllegalStateException(RouterClients.REFUSALS + " missing from the router's Streams settings");
    }

    @Override
    @SuppressWarnings("deprecation")
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        boolean ours = refusals.refused(record.value(), exception);
        log.warn("The broker refused a record for {} ({}); {}", record.topic(), exception.toString(),
                ours ? "its submission is rejected when read again" : "not a routed record");
        return ProductionExceptionHandlerResponse.CONTINUE;
    }
}

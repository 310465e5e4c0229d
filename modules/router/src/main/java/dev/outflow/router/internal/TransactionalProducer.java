package dev.outflow.router.internal;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's transactional producer and whether a transaction is open. A producer that cannot
 * abort (fenced, fatal state) is replaced by a new one with the same {@code transactional.id},
 * whose {@code initTransactions} aborts whatever the old one left open.
 *
 * <p>Poll thread only.
 */
final class TransactionalProducer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionalProducer.class);

    private final Supplier<Producer<byte[], byte[]>> factory;
    private final Duration startTimeout;
    private final BooleanSupplier stopping;
    private final Runnable backOff;
    private Producer<byte[], byte[]> producer;
    private boolean open;

    /**
     * @param stopping true once the router is stopping (a replacement stops retrying)
     * @param backOff  pauses between failed attempts
     */
    TransactionalProducer(Supplier<Producer<byte[], byte[]>> factory, Duration startTimeout, BooleanSupplier stopping, Runnable backOff) {
        this.factory = factory;
        this.startTimeout = startTimeout;
        this.stopping = stopping;
        this.backOff = backOff;
    }

    /** Creates the producer and initialises transactions; gives up after the start timeout. */
    void init() {
        producer = create(true);
    }

    boolean isOpen() {
        return open;
    }

    void begin() {
        if (!open) {
            producer.beginTransaction();
            open = true;
        }
    }

    void send(ProducerRecord<byte[], byte[]> record) {
        producer.send(record);
    }

    /** Adds the offsets (fencing zombies by the group metadata) and commits; begins first when needed. */
    void commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        begin();
        producer.sendOffsetsToTransaction(offsets, group);
        producer.commitTransaction();
        open = false;
    }

    /**
     * Leaves no transaction open: aborts the open one, or replaces the producer when {@code replace}
     * is set or the abort fails.
     */
    void abort(boolean replace) {
        if (open && !replace) {
            try {
                producer.abortTransaction();
                open = false;
                return;
            } catch (InterruptException e) {
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                log.warn("Cannot abort ({}); replacing the producer", e.toString());
            }
        }
        if (replace || open) replace();
        open = false;
    }

    private void replace() {
        Producer<byte[], byte[]> old = producer;
        producer = null;
        open = false;
        if (old != null) old.close(Duration.ZERO);
        producer = create(false);
    }

    /**
     * A producer with transactions initialised. At start, gives up after the start timeout; a
     * replacement keeps trying until the router stops, since the broker may be down a while.
     */
    private Producer<byte[], byte[]> create(boolean atStart) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (true) {
            Producer<byte[], byte[]> p = factory.get();
            try {
                // Also aborts whatever a predecessor with the same transactional id left open.
                p.initTransactions();
                return p;
            } catch (InterruptException e) {
                p.close(Duration.ZERO);
                throw e;
            } catch (KafkaException e) {
                p.close(Duration.ZERO);
                if (e instanceof AuthorizationException || e instanceof AuthenticationException
                        || (atStart && System.nanoTime() > deadline) || stopping.getAsBoolean()) {
                    throw e;
                }
                log.warn("initTransactions failed, retrying: {}", e.toString());
                backOff.run();
            }
        }
    }

    /** Test hook: sends what is buffered and drops the producer as a crash would, transaction left open. */
    void halt() {
        if (producer == null) return;
        try {
            if (open) producer.flush();
        } catch (KafkaException e) {
            log.debug("Flush before halt failed: {}", e.toString());
        }
        producer.close(Duration.ZERO);
        producer = null;
    }

    /** Aborts an open transaction (its records are read again by the next owner) and closes. */
    @Override
    public void close() {
        if (producer == null) return;
        try {
            if (open) producer.abortTransaction();
        } catch (RuntimeException e) {
            log.debug("Abort on close: {}", e.toString());
        }
        producer.close(Duration.ofSeconds(5));
        producer = null;
    }
}

package dev.outflow.scheduler.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves records between topics exactly once: the produced records and the consumed offsets go
 * out in one Kafka transaction, fenced by the consumer group's metadata (KIP-447), so a zombie
 * instance that lost its partitions cannot commit.
 *
 * <p>{@link #commit} either commits or throws after aborting; when the producer is in a state
 * that cannot abort (fenced, fatal error) it is replaced by a new one with the same transactional
 * id, whose {@code initTransactions} aborts whatever was left open. Not thread-safe.
 */
public final class Mover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Mover.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Map<String, Object> props;
    private Producer<byte[], byte[]> producer;

    /**
     * Creates the transactional producer and runs {@code initTransactions} (blocking).
     *
     * @param props producer settings including {@code transactional.id}
     * @throws KafkaException when the broker cannot be reached or refuses the transactional id
     */
    public Mover(Map<String, Object> props) {
        this.props = new HashMap<>(props);
        this.producer = create();
    }

    /**
     * Fetches the metadata of the topics this mover writes to, so the first transaction does not
     * wait for it (best effort: a missing topic is reported by the first send instead).
     */
    public void prefetch(List<String> topics) {
        for (String t : topics) {
            try {
                producer.partitionsFor(t);
            } catch (RuntimeException e) {
                log.warn("No metadata for topic {} yet: {}", t, e.toString());
            }
        }
    }

    private Producer<byte[], byte[]> create() {
        Producer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            p.initTransactions();
            return p;
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * Sends {@code records} and commits {@code offsets} for {@code group} in one transaction.
     *
     * @throws RuntimeException (usually a {@link KafkaException}) when the transaction did not
     *                          commit: it was aborted, nothing of it is visible to
     *                          {@code read_committed} consumers and no offset moved
     */
    public void commit(List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets,
                       ConsumerGroupMetadata group) {
        if (producer == null) {
            producer = create();
        }
        try {
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, group);
            }
            producer.commitTransaction();
        } catch (RuntimeException e) {
            abortOrReplace(e);
            throw e;
        }
    }

    private void abortOrReplace(RuntimeException cause) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            log.warn("Cannot abort the scheduler's transaction ({}); replacing the producer", e.toString());
            closeProducer();
        }
        log.debug("Transaction aborted after {}", cause.toString());
    }

    private void closeProducer() {
        Producer<byte[], byte[]> p = producer;
        producer = null;
        if (p != null) {
            try {
                p.close(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                log.debug("Closing the producer failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        closeProducer();
    }
}

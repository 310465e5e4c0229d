package dev.outflow.submission;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.intake.RoutedDelivery;
import dev.outflow.stage.MessageRecords;
import dev.outflow.stage.StageTopics;
import dev.outflow.submission.internal.GroupCommit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The outbound topic as an {@link OutboundQueue}: one record per part, keyed by its routing key,
 * valued by an Avro {@link OutboundMessage}, {@code acks=all} from idempotent producers. A message
 * is queued whole or not at all, so a client told "try again later" has nothing of that message
 * queued and its retry cannot duplicate parts:
 * <ul>
 *   <li>a message with one part (one recipient domain) is one record, atomic by itself: it is sent
 *       by a plain idempotent producer;</li>
 *   <li>the parts of a message with several are written in one Kafka transaction. Messages that
 *       arrive together share a transaction (group commit, {@link GroupCommit}).</li>
 * </ul>
 * Consumers of the outbound topic read with {@code isolation.level=read_committed}, as every
 * Outflow stage does. docs/benchmarks.md has what transactions cost.
 *
 * <p>Producer settings: ours first (zstd, 128 KiB batches, {@code max.request.size} = the topics'
 * {@code max.message.bytes} for {@code outbound.max_message_bytes}, {@code delivery.timeout.ms} =
 * {@code smtpd.queue_timeout}, {@code max.block.ms} 10 s), then every {@code kafka.client.*}
 * setting, then {@code acks=all} and idempotence again: durability is not negotiable. The
 * transactional producer adds a {@code transactional.id} of {@code <topic.prefix>intake-<random>}
 * (one per queue: intake producers never fence each other).
 *
 * <p>Thread-safe; {@code enqueue} may block up to {@code max.block.ms} for a one-part message while
 * the broker is unknown, and never waits for the acknowledgement. Futures complete on a producer
 * or committer thread: dependants must not block.
 */
public final class KafkaOutboundQueue implements OutboundQueue {
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    /** A transaction holds at most this many records or bytes; a larger message is written alone. */
    private static final int MAX_TXN_RECORDS = 2000;
    private static final long MAX_TXN_BYTES = 16L << 20;
    /** Transactions in flight at once: three lanes measured no faster than one (docs/benchmarks.md). */
    private static final int LANES = 1;

    private final Producer<String, OutboundMessage> single;
    private final GroupCommit commits;
    private final String topic;

    private KafkaOutboundQueue(Producer<String, OutboundMessage> single, IntFunction<Producer<String, OutboundMessage>> transactional,
                               String topic, Duration commitDeadline) {
        this.single = single;
        this.topic = topic;
        this.commits = new GroupCommit(LANES, transactional, this::failure, commitDeadline, MAX_TXN_RECORDS, MAX_TXN_BYTES);
    }

    /**
     * A queue on the configuration's outbound topic of the cluster at {@code kafka.bootstrap.servers}.
     * The producers connect at their first message.
     *
     * @throws ConfigException when {@code kafka.bootstrap.servers} is unset (the app resolves the
     *                         embedded broker's address and sets it before calling this)
     */
    public static KafkaOutboundQueue create(Config config) {
        Properties props = producerProperties(config);
        Serializer<OutboundMessage> values = serializer(config);
        String transactionalId = config.get(OutflowKeys.TOPIC_PREFIX) + "intake-" + UUID.randomUUID();
        return new KafkaOutboundQueue(new KafkaProducer<>(props, new StringSerializer(), values), lane -> {
            Properties p = new Properties();
            p.putAll(props);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, LANES == 1 ? transactionalId : transactionalId + "-" + lane);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, props.getProperty(ProducerConfig.CLIENT_ID_CONFIG) + "-txn" + lane);
            return new KafkaProducer<>(p, new StringSerializer(), values);
        }, StageTopics.from(config).outbound(), config.get(OutflowKeys.SMTPD_QUEUE_TIMEOUT));
    }

    /** The value serializer for {@link OutboundMessage} records: single-object encoding, or Confluent with {@code schema.registry.url}. */
    static Serializer<OutboundMessage> serializer(Config config) {
        return Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL)).outboundMessage();
    }

    /** The producer settings described on the class. */
    public static Properties producerProperties(Config config) {
        String bootstrap = config.get(OutflowKeys.KAFKA_BOOTSTRAP);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new ConfigException(OutflowKeys.KAFKA_BOOTSTRAP.name(), "not set (the embedded broker's address must be resolved first)");
        }
        long queueTimeout = config.get(OutflowKeys.SMTPD_QUEUE_TIMEOUT).toMillis();
        long linger = 5;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "outflow-submission-" + CLIENTS.incrementAndGet());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        // Level 1 costs about half the CPU of zstd's default 3 for 2 KB mail (measured on the router).
        p.put(ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, "1");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(Math.min(Integer.MAX_VALUE, Topics.maxRecordBytes(config.get(OutflowKeys.MAX_MESSAGE_BYTES)))));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(Math.max(64L << 20, 4 * config.get(OutflowKeys.MAX_MESSAGE_BYTES))));
        long requestTimeout = Math.max(1000, Math.min(15_000, queueTimeout / 2));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(requestTimeout));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(queueTimeout, requestTimeout + linger)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Math.min(10_000, queueTimeout)));
        // An open transaction holds back read_committed consumers of its partitions: one left by a
        // crashed process is aborted by the broker after this long (the brokers' maximum is 15 min).
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(Math.min(15 * 60_000L, queueTimeout + 15_000)));
        p.putAll(config.kafkaClientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);        // set per transactional producer only
        return p;
    }

    @Override
    public CompletableFuture<Void> enqueue(String id, List<RoutedDelivery> parts) {
        if (parts.size() == 1) return sendSingle(id, parts.get(0));
        List<ProducerRecord<String, OutboundMessage>> records = new ArrayList<>(parts.size());
        long bytes = 0;
        try {
            for (RoutedDelivery part : parts) {
                OutboundMessage value = MessageRecords.toRecord(part.delivery(), part.origin());
                records.add(new ProducerRecord<>(topic, part.routingKey(), value));
                bytes += part.delivery().contents().length + 512L;
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(id, e));
        }
        return commits.submit(id, records, bytes);
    }

    private CompletableFuture<Void> sendSingle(String id, RoutedDelivery part) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        try {
            OutboundMessage value = MessageRecords.toRecord(part.delivery(), part.origin());
            single.send(new ProducerRecord<>(topic, part.routingKey(), value), (meta, error) -> {
                if (error == null) ack.complete(null);
                else ack.completeExceptionally(failure(id, error));
            });
        } catch (RuntimeException e) {
            ack.completeExceptionally(failure(id, e));
        }
        return ack;
    }

    private QueueException failure(String id, Throwable error) {
        boolean tooLarge = error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException;
        return new QueueException(tooLarge, "message " + id + " not acknowledged by Kafka on " + topic + ": "
                + error.getClass().getSimpleName() + ": " + error.getMessage(), error);
    }

    /** Writes what was submitted (bounded by the producers' timeouts; at most 30 s for one-part messages) and closes the producers. */
    @Override
    public void close() {
        commits.close();
        single.close(Duration.ofSeconds(30));
    }
}

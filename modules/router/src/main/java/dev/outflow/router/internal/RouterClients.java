package dev.outflow.router.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;

/**
 * The router's Kafka Streams and admin settings over the shared client properties (bootstrap and
 * {@code kafka.client.*} pass-through). Settings exactly-once depends on are forced; tuning
 * settings are defaults a pass-through key may override. Stateless.
 */
public final class RouterClients {
    /** Producer batch size: large enough that a transaction's parts of one partition fit in one or two batches. */
    static final int BATCH_BYTES = 512 * 1024;
    /** Key under which {@link RefusalHandler} finds its {@link Refusals} among the Streams settings. */
    static final String REFUSALS = "outflow.router.refusals";

    private RouterClients() {
    }

    /**
     * The Streams application: id {@code applicationId} (also the consumer group, as with the
     * hand-written loop before it, so committed offsets carry over), exactly-once v2, one stream
     * thread, static group member {@code instanceId}, commit every {@code commitMs}, RocksDB state
     * under {@code stateDir}. Producer tuning
     * (a pass-through setting wins), measured with 2 KB messages:
     * <ul>
     *   <li>{@code linger.ms} = the commit interval and 512 KiB batches: a transaction flushes its
     *       batches at commit anyway, so lingering costs no latency and gives one batch per
     *       partition per transaction instead of many tiny ones;</li>
     *   <li>zstd (the topics' codec, so the broker does not recompress) at level 1: level 3's large
     *       tables cost about 3× the CPU per submission.</li>
     * </ul>
     */
    public static Properties streams(Map<String, Object> base, String applicationId, String instanceId, String clientId, Path stateDir,
                                     long commitMs,
                                     int maxRequestBytes, int replicationFactor, Refusals refusals) {
        Map<String, Object> p = clean(base);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        // Static membership: a stopping router is removed from the group at once (Streams' leave-group
        // on close only works for static members), and a router restarted under its id takes its
        // partitions back without waiting for the old member's session to time out.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        p.put(StreamsConfig.CLIENT_ID_CONFIG, clientId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitMs);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        // The processor decodes records itself and never lets a bad one escape; a failure here is a bug.
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailExceptionHandler.class.getName());
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, RefusalHandler.class.getName());
        p.put(REFUSALS, refusals);
        // A stream thread that died (replaced after a failure, e.g. a refused record) or a killed router
        // holds its partitions until its session expires: 10 s instead of Streams' 45 s.
        p.putIfAbsent(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        p.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 1000);
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, (int) Math.max(5, Math.min(1_000, commitMs)));
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.putIfAbsent(ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, 1);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestBytes);
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(64L << 20, 3L * maxRequestBytes));
        Properties out = new Properties();
        out.putAll(p);
        return out;
    }

    /** Admin settings: the shared properties (as {@code outflow topics create} uses them) with a client id. */
    public static Map<String, Object> admin(Map<String, Object> base, String clientId) {
        Map<String, Object> p = clean(base);
        p.put("client.id", clientId);
        return p;
    }

    private static Map<String, Object> clean(Map<String, Object> base) {
        Map<String, Object> p = new HashMap<>(base);
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return p;
    }
}

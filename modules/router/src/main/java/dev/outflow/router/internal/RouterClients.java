package dev.outflow.router.internal;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The router's Kafka client settings over the shared client properties (bootstrap and
 * {@code kafka.client.*} pass-through). Settings exactly-once depends on are forced; tuning
 * settings are defaults a pass-through key may override. Stateless.
 */
public final class RouterClients {
    /** Producer batch size: large enough that a transaction's parts of one partition fit in one or two batches. */
    static final int BATCH_BYTES = 512 * 1024;

    private RouterClients() {
    }


    /** The group-less consumer that restores the dedupe changelog. */
    public static Map<String, Object> restorer(Map<String, Object> base, String clientId) {
        Map<String, Object> p = clean(base);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return p;
    }

    /**
     * The transactional producer: acks=all, idempotent, {@code transactional.id} given;
     * {@code max.request.size} fits the largest record the topics take. Tuning defaults (a
     * pass-through setting wins), measured here with 2 KB messages:
     * <ul>
     *   <li>{@code linger.ms} = the commit interval and 512 KiB batches: a transaction flushes its
     *       batches at commit anyway, so lingering costs no latency and gives one batch per
     *       partition per transaction instead of many tiny ones;</li>
     *   <li>zstd (the topics' codec, so the broker does not recompress) at level 1: each batch
     *       opens a compression context, and level 3's large tables made the router's thread
     *       spend more time in context set-up than in routing (about 3× the CPU per submission).</li>
     * </ul>
     */
    public static Map<String, Object> producer(Map<String, Object> base, String transactionalId, String clientId, int maxRequestBytes,
                                               long lingerMs) {
        Map<String, Object> p = clean(base);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, (int) Math.max(5, Math.min(1_000, lingerMs)));
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.putIfAbsent(ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, 1);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestBytes);
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(64L << 20, 3L * maxRequestBytes));
        // A transaction lasts one commit interval; a crashed router's open one is aborted soon.
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return p;
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

package dev.outflow.worker.internal;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The worker's consumer and producer settings over the shared client properties (bootstrap and
 * {@code kafka.client.*} pass-through). Settings correctness depends on are forced; tuning
 * settings are defaults a pass-through key may override. Stateless.
 */
public final class KafkaClients {
    /** Producer batch size: 16 KB → 128 KB halved the CPU per record in measurements here. */
    public static final int BATCH_BYTES = 128 * 1024;

    private KafkaClients() {
    }


    /**
     * The transactional producer of events, retries, DSNs, DLQ and parked records: acks=all,
     * idempotent, {@code transactional.id} given; linger 10 ms, 128 KB batches and zstd level 1 (the
     * topics' own codec, so the broker does not recompress) unless passed through.
     *
     * @param maxRecordBytes largest record (a DEFERRED event embeds the whole message)
     */
    public static Map<String, Object> producer(Map<String, Object> base, String transactionalId, String clientId,
                                               long maxRecordBytes) {
        Map<String, Object> p = new HashMap<>(base);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.putIfAbsent(ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, 1); // about half the CPU of the default level 3
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) Math.min(Integer.MAX_VALUE, Math.max(1 << 20, maxRecordBytes)));
        // A produce right after a commit can meet CONCURRENT_TRANSACTIONS until the markers are
        // written; the default 100 ms backoff would stall every such transaction that long.
        p.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        // Transactions last one commit interval; a crashed worker's open one is aborted soon.
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return p;
    }
}

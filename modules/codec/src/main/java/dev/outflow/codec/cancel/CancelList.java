package dev.outflow.codec.cancel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.codec.topics.TopicFollower;

/**
 * This process's copy of the cancellations topic, followed in the background like the
 * suppression list, so a worker asks before each attempt without a network call. A change
 * reaches every process within the follower's poll (well under a second); after a restart the
 * topic is read again. Thread-safe; close it.
 */
public final class CancelList implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CancelList.class);

    private final TopicFollower follower;
    private final Map<String, Cancellation> byKey = new ConcurrentHashMap<>();

    public CancelList(Map<String, Object> clientProps, String topic) {
        this.follower = new TopicFollower(clientProps, topic, "outflow-cancellations", (r, replayed) -> apply(r));
    }

    /** Starts following and waits (up to the timeout) until the cancellations already on the topic are read. */
    public CancelList start(Duration catchUpTimeout) throws InterruptedException {
        follower.start(catchUpTimeout);
        return this;
    }

    /**
     * The cancellation covering mail {@code messageId} to {@code domain} queued at {@code queuedAt}
     * (epoch ms), if any: one of the message, else one of the domain.
     */
    public Optional<Cancellation> find(String messageId, String domain, long queuedAt) {
        Cancellation c = byKey.get("id:" + messageId);
        if (c != null && c.covers(queuedAt)) return Optional.of(c);
        c = domain == null ? null : byKey.get("domain:" + domain.toLowerCase(java.util.Locale.ROOT));
        return c != null && c.covers(queuedAt) ? Optional.of(c) : Optional.empty();
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) return;
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            byKey.remove(key);
            return;
        }
        try {
            byKey.put(key, CancelRecords.decode(r.value()));
        } catch (IllegalArgumentException e) {
            log.warn("Skipping cancellation {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}

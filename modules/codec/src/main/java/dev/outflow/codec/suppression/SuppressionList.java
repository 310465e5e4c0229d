package dev.outflow.codec.suppression;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.codec.topics.TopicFollower;


/**
 * This process's copy of the suppression list: follows the suppressions topic from the beginning
 * in the background (no consumer group, {@code read_committed}) into memory, so an intake path
 * checks a recipient without a network call. Changes written anywhere reach every process within
 * the consumer's poll time (well under a second); after a restart the whole topic is read again.
 * Expired entries are kept until their tombstone arrives but never reported as suppressed.
 * Undecodable records are logged and skipped. Thread-safe; {@link #close()} stops the thread.
 *
 * <pre>{@code
 * try (SuppressionList list = new SuppressionList(kafkaProps, topics.suppressions()).start(Duration.ofSeconds(15))) {
 *     list.find("bob@example.org").ifPresent(s -> reply550(s.describe()));
 * }
 * }</pre>
 */
public final class SuppressionList implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SuppressionList.class);

    private final TopicFollower follower;
    private final Clock clock;
    private final Map<String, Suppression> entries = new ConcurrentHashMap<>();
    private final AtomicLong undecodable = new AtomicLong();

    public SuppressionList(Map<String, Object> clientProps, String topic) {
        this(clientProps, topic, Clock.systemUTC());
    }

    public SuppressionList(Map<String, Object> clientProps, String topic, Clock clock) {
        this.follower = new TopicFollower(clientProps, topic, "outflow-suppressions", (r, replayed) -> apply(r));
        this.clock = clock;
    }

    /** Starts following and waits (up to the timeout) until the entries already on the topic are read. */
    public SuppressionList start(Duration catchUpTimeout) throws InterruptedException {
        follower.start(catchUpTimeout);
        return this;
    }

    /** The entry in force for {@code address}, if any. A malformed address is never suppressed. */
    public Optional<Suppression> find(String address) {
        String key;
        try {
            key = SuppressionRecords.key(address);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        Suppression s = entries.get(key);
        return s != null && s.activeAt(clock.millis()) ? Optional.of(s) : Optional.empty();
    }

    /** The entries in force, by address. */
    public List<Suppression> active() {
        long now = clock.millis();
        return entries.values().stream().filter(s -> s.activeAt(now))
                .sorted(Comparator.comparing(Suppression::address)).toList();
    }

    /** Records of the topic that could not be decoded (skipped). */
    public long undecodable() {
        return undecodable.get();
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) return;
        String key;
        try {
            key = SuppressionRecords.key(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
            if (r.value() == null) {
                entries.remove(key);
            } else {
                Suppression s = SuppressionRecords.decode(r.value());
                entries.put(key, s);
            }
        } catch (IllegalArgumentException e) {
            undecodable.incrementAndGet();
            log.warn("Skipping suppression record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}

package dev.outflow.codec.suppression;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.codec.topics.Warmup;

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

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Clock clock;
    private final Map<String, Suppression> entries = new ConcurrentHashMap<>();
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final AtomicLong undecodable = new AtomicLong();
    private volatile boolean running = true;

    public SuppressionList(Map<String, Object> clientProps, String topic) {
        this(clientProps, topic, Clock.systemUTC());
    }

    public SuppressionList(Map<String, Object> clientProps, String topic, Clock clock) {
        Map<String, Object> p = new HashMap<>(clientProps);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.clock = clock;
        this.thread = Thread.ofPlatform().daemon().name("outflow-suppressions").unstarted(this::run);
    }

    /** Starts following and waits (up to the timeout) until the entries already on the topic are read. */
    public SuppressionList start(Duration catchUpTimeout) throws InterruptedException {
        thread.start();
        if (!caughtUp.await(catchUpTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("Suppression list {} not read within {}; continuing, entries may arrive late", topic, catchUpTimeout);
        }
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

    private void run() {
        try {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            boolean replaying = true;
            while (running) {
                if (replaying && reached(end)) {
                    replaying = false;
                    caughtUp.countDown();
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(r);
                }
            }
        } catch (WakeupException e) {
            // close() was called
        } catch (RuntimeException e) {
            if (running) log.error("Suppression list follower stopped", e);
        } finally {
            caughtUp.countDown();
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) if (consumer.position(e.getKey()) < e.getValue()) return false;
        return true;
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (Warmup.isWarmup(r) || r.key() == null) return;
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
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

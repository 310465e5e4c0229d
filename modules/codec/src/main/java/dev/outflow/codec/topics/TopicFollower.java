package dev.outflow.codec.topics;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a small compacted topic from its beginning in a background thread, with no consumer
 * group (every process reads every record) and {@code read_committed}: how each process keeps
 * its copy of cluster-wide state (pause/resume, the suppression list, cancellations). Records
 * already on the topic at start are handed over with {@code replayed = true}, so a handler can
 * rebuild state without re-running one-shot commands; {@link #start} waits until they are read.
 * Warm-up records are skipped; tombstones (null values) are passed on. A handler that throws is
 * logged and the record skipped: one bad record never stops the follower.
 * Thread-safe; {@link #close()} stops the thread.
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);

    /** Receives every record on the follower's thread, in offset order per partition. */
    @FunctionalInterface
    public interface Handler {
        void on(ConsumerRecord<byte[], byte[]> record, boolean replayed);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Handler handler;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running = true;

    /**
     * @param clientProps Kafka client settings; a group id in them is ignored
     * @param name        the thread's name, e.g. {@code outflow-control}
     */
    public TopicFollower(Map<String, Object> clientProps, String topic, String name, Handler handler) {
        Map<String, Object> p = new HashMap<>(clientProps);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.handler = handler;
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    }

    /**
     * Starts following and waits (up to the timeout) until the records already on the topic are
     * handled. On timeout it logs and returns: state then arrives late rather than never.
     */
    public TopicFollower start(Duration catchUpTimeout) throws InterruptedException {
        thread.start();
        if (!caughtUp.await(catchUpTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("Topic {} not read within {}; continuing, its state may arrive late", topic, catchUpTimeout);
        }
        return this;
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
                    if (Warmup.isWarmup(r)) continue;
                    try {
                        handler.on(r, replaying);
                    } catch (RuntimeException e) {
                        log.warn("Skipping record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // close() was called
        } catch (RuntimeException e) {
            if (running) log.error("Follower of {} stopped", topic, e);
        } finally {
            caughtUp.countDown();
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) if (consumer.position(e.getKey()) < e.getValue()) return false;
        return true;
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

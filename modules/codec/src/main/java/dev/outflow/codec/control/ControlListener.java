package dev.outflow.codec.control;

import dev.outflow.avro.Command;
import dev.outflow.avro.ControlCommand;
import dev.outflow.codec.topics.Warmup;
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
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the control topic in the background (no consumer group: every process reads every
 * command) and keeps the cluster-wide pause state: the latest of PAUSE and RESUME wins.
 * Commands already on the topic at start are replayed to compute that state; the callback sees
 * them with {@code replayed = true} so that one-shot commands (FLUSH) issued before this process
 * started are not acted on again. Thread-safe; {@link #close()} stops the thread.
 */
public final class ControlListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlListener.class);

    /** A command as seen by a listener. */
    public interface Handler {
        void on(ControlCommand command, boolean replayed);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Deserializer<ControlCommand> deserializer;
    private final Handler handler;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean paused;
    private volatile long stateAt = Long.MIN_VALUE;
    private volatile boolean running = true;

    public ControlListener(Map<String, Object> clientProps, String topic, Deserializer<ControlCommand> deserializer, Handler handler) {
        Map<String, Object> p = new HashMap<>(clientProps);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.deserializer = deserializer;
        this.handler = handler;
        this.thread = Thread.ofPlatform().daemon().name("outflow-control").unstarted(this::run);
    }

    /** Starts following and waits (up to the timeout) until existing commands are replayed. */
    public ControlListener start(Duration catchUpTimeout) throws InterruptedException {
        thread.start();
        if (!caughtUp.await(catchUpTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("Control topic {} not read within {}; continuing, pause state may arrive late", topic, catchUpTimeout);
        }
        return this;
    }

    /** True while the cluster is paused by {@code outflow pause}. */
    public boolean paused() {
        return paused;
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
                    if (Warmup.isWarmup(r) || r.value() == null) continue;
                    handle(r, replaying);
                }
            }
        } catch (WakeupException e) {
            // close() was called
        } catch (RuntimeException e) {
            if (running) log.error("Control listener stopped", e);
        } finally {
            caughtUp.countDown();
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) if (consumer.position(e.getKey()) < e.getValue()) return false;
        return true;
    }

    private void handle(ConsumerRecord<byte[], byte[]> r, boolean replayed) {
        ControlCommand cmd;
        try {
            cmd = deserializer.deserialize(r.topic(), r.value());
        } catch (RuntimeException e) {
            log.warn("Ignoring undecodable control record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return;
        }
        if ((cmd.getCommand() == Command.PAUSE || cmd.getCommand() == Command.RESUME) && cmd.getIssuedAt() >= stateAt) {
            stateAt = cmd.getIssuedAt();
            paused = cmd.getCommand() == Command.PAUSE;
            if (!replayed) log.info("Delivery {} by {}", paused ? "paused" : "resumed", cmd.getIssuedBy());
        }
        try {
            handler.on(cmd, replayed);
        } catch (RuntimeException e) {
            log.error("Control command {} handler failed", cmd.getCommand(), e);
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

    /** A handler that ignores everything (for processes that only need {@link #paused()}). */
    public static Handler ignore() {
        return (c, r) -> {};
    }

}

package dev.outflow.codec.control;

import dev.outflow.avro.Command;
import dev.outflow.avro.ControlCommand;
import dev.outflow.codec.topics.TopicFollower;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

    private final TopicFollower follower;
    private final Deserializer<ControlCommand> deserializer;
    private final Handler handler;
    private volatile boolean paused;
    private volatile long stateAt = Long.MIN_VALUE;

    public ControlListener(Map<String, Object> clientProps, String topic, Deserializer<ControlCommand> deserializer, Handler handler) {
        this.deserializer = deserializer;
        this.handler = handler;
        this.follower = new TopicFollower(clientProps, topic, "outflow-control", (r, replayed) -> {
            if (r.value() != null) handle(r, replayed);
        });
    }

    /** Starts following and waits (up to the timeout) until existing commands are replayed. */
    public ControlListener start(Duration catchUpTimeout) throws InterruptedException {
        follower.start(catchUpTimeout);
        return this;
    }

    /** True while the cluster is paused by {@code outflow pause}. */
    public boolean paused() {
        return paused;
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
        follower.close();
    }

    /** A handler that ignores everything (for processes that only need {@link #paused()}). */
    public static Handler ignore() {
        return (c, r) -> {};
    }

}

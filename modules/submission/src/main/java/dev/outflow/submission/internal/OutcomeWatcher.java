package dev.outflow.submission.internal;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.RecordDecodeException;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Warmup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the router's outcome of submissions this process wrote: the first record on the
 * outbound topic whose message id is the submission's id means queued (the router commits all
 * parts of a message in one transaction), a {@code REJECTED} event keyed by the id on the bounced
 * topic means refused. Both topics are read {@code read_committed}, without a consumer group, from
 * their end offsets taken <em>before</em> the submission is written ({@link #watch} returns only
 * then), so an outcome cannot slip past. While nothing is awaited the watcher does not read.
 *
 * <p>Records without an outcome within the timeout complete with {@link Outcome#timedOut}: the
 * router is not running, a queue_outbound plugin took the message (OK: nothing is written), the
 * id was queued before (duplicate), or the submission waits on a retry topic.
 *
 * <p>Thread-safe; one thread of its own owns the consumer. Futures complete on that thread.
 */
public final class OutcomeWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutcomeWatcher.class);
    private static final java.util.regex.Pattern REPLY = java.util.regex.Pattern.compile("([245]\\d\\d) ([245]\\.\\d{1,3}\\.\\d{1,3}) (.*)", java.util.regex.Pattern.DOTALL);

    /** What the router did with a submission. */
    public sealed interface Outcome {
        /** Queued on the outbound topic. */
        record Queued(String id) implements Outcome {
        }

        /** A REJECTED event: SMTP-style code, enhanced code and reason as the router wrote them. */
        record Rejected(String id, int code, String enhancedCode, String reason) implements Outcome {
        }

        /** No outcome within the timeout. */
        record TimedOut(String id, Duration timeout) implements Outcome {
        }

        static Outcome timedOut(String id, Duration timeout) {
            return new TimedOut(id, timeout);
        }
    }

    private record Pending(CompletableFuture<Outcome> outcome, long deadlineNanos) {
    }

    private record Registration(String id, CompletableFuture<Outcome> outcome, CompletableFuture<Void> positioned) {
    }

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String outbound;
    private final String bounced;
    private final RecordSerde<OutboundMessage> messages;
    private final RecordSerde<DeliveryEvent> events;
    private final Duration timeout;
    private final LinkedBlockingQueue<Registration> registrations = new LinkedBlockingQueue<>();
    private final Map<String, List<Pending>> pending = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile Consumer<byte[], byte[]> consumer;
    private List<TopicPartition> partitions;

    /**
     * @param consumers makes the group-less {@code read_committed} consumer (on the watcher's thread, at the first watch)
     * @param timeout   how long an outcome is awaited after {@link #watch}
     */
    public OutcomeWatcher(Supplier<Consumer<byte[], byte[]>> consumers, String outbound, String bounced,
                          RecordSerde<OutboundMessage> messages, RecordSerde<DeliveryEvent> events, Duration timeout) {
        this.consumers = consumers;
        this.outbound = outbound;
        this.bounced = bounced;
        this.messages = messages;
        this.events = events;
        this.timeout = timeout;
        this.thread = Thread.ofPlatform().daemon().name("outflow-client-outcomes").start(this::run);
    }

    /**
     * Starts waiting for {@code id}'s outcome; returns once the watcher's positions are at or
     * before the topics' ends as of now, so the caller may write the submission.
     *
     * @return completes with the outcome, or exceptionally when the topics cannot be read
     * @throws KafkaException when the end offsets cannot be read (broker unreachable)
     */
    public CompletableFuture<Outcome> watch(String id) throws InterruptedException {
        if (closed) throw new IllegalStateException("closed");
        Registration r = new Registration(id, new CompletableFuture<>(), new CompletableFuture<>());
        registrations.add(r);
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) c.wakeup();
        while (true) {
            try {
                r.positioned().get(1, TimeUnit.SECONDS);
                return r.outcome();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                // The reader thread may have died after this registration was queued: nobody would answer it.
                if (!thread.isAlive()) throw new KafkaException("outcome watcher stopped");
            }
        }
    }

    private void run() {
        try {
            while (!closed) {
                if (!admit()) continue;
                read();
                expire();
            }
        } catch (RuntimeException e) {
            if (!closed) log.error("Outcome watcher stopped", e);
            closed = true;
            failAll(e);
        } finally {
            Consumer<byte[], byte[]> c = consumer;
            if (c != null) c.close(Duration.ofSeconds(1));
        }
    }

    /**
     * Takes new registrations; when nothing was awaited, first moves to the topics' ends. Waits
     * for a registration while nothing is awaited.
     *
     * @return true when something is awaited
     */
    private boolean admit() {
        Registration r;
        try {
            r = pending.isEmpty() ? registrations.poll(500, TimeUnit.MILLISECONDS) : registrations.poll();
        } catch (InterruptedException e) {
            closed = true;
            return false;
        }
        while (r != null) {
            try {
                if (pending.isEmpty()) toEnd();
                pending.computeIfAbsent(r.id(), k -> new ArrayList<>(1)).add(new Pending(r.outcome(), System.nanoTime() + timeout.toNanos()));
                r.positioned().complete(null);
            } catch (WakeupException e) {
                registrations.add(r);
            } catch (KafkaException e) {
                r.positioned().completeExceptionally(e);
            }
            r = registrations.poll();
        }
        return !pending.isEmpty();
    }

    /** Assigns every partition of both topics (once) and resolves the positions at their ends. */
    private void toEnd() {
        if (consumer == null) consumer = consumers.get();
        if (partitions == null) {
            List<TopicPartition> all = new ArrayList<>();
            for (String topic : List.of(outbound, bounced)) {
                for (PartitionInfo p : consumer.partitionsFor(topic)) all.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(all);
            partitions = all;
        }
        consumer.seekToEnd(partitions);
        for (TopicPartition tp : partitions) consumer.position(tp);
    }

    private void read() {
        try {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (Warmup.isWarmup(r) || r.value() == null) continue;
                Outcome o = r.topic().equals(bounced) ? rejection(r) : queued(r);
                if (o != null) complete(o);
            }
        } catch (WakeupException e) {
            // a new registration: taken by the next admit()
        }
    }

    private Outcome queued(ConsumerRecord<byte[], byte[]> r) {
        try {
            String id = messages.deserialize(r.topic(), r.value()).getId();
            return pending.containsKey(id) ? new Outcome.Queued(id) : null;
        } catch (RecordDecodeException e) {
            return null;
        }
    }

    /** A REJECTED event for an awaited id (events are keyed by message id: others are not decoded). */
    private Outcome rejection(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) return null;
        String id = new String(r.key(), StandardCharsets.UTF_8);
        if (!pending.containsKey(id)) return null;
        DeliveryEvent e;
        try {
            e = events.deserialize(r.topic(), r.value());
        } catch (RecordDecodeException x) {
            return null;
        }
        if (e.getOutcome() != dev.outflow.avro.Outcome.REJECTED) return null;
        return rejected(id, e.getReason() == null ? "" : e.getReason());
    }

    /** The router's reason reads {@code 554 5.6.0 Malformed submission: ...}; anything else is kept whole under 554 5.0.0. */
    static Outcome.Rejected rejected(String id, String reason) {
        java.util.regex.Matcher m = REPLY.matcher(reason);
        if (!m.matches()) return new Outcome.Rejected(id, 554, "5.0.0", reason);
        return new Outcome.Rejected(id, Integer.parseInt(m.group(1)), m.group(2), m.group(3));
    }

    private void complete(Outcome o) {
        String id = switch (o) {
            case Outcome.Queued q -> q.id();
            case Outcome.Rejected j -> j.id();
            case Outcome.TimedOut t -> t.id();
        };
        List<Pending> waiting = pending.remove(id);
        if (waiting != null) waiting.forEach(p -> p.outcome().complete(o));
    }

    private void expire() {
        long now = System.nanoTime();
        Iterator<Map.Entry<String, List<Pending>>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, List<Pending>> e = it.next();
            e.getValue().removeIf(p -> {
                if (p.outcome().isDone()) return true;
                if (now - p.deadlineNanos() < 0) return false;
                p.outcome().complete(Outcome.timedOut(e.getKey(), timeout));
                return true;
            });
            if (e.getValue().isEmpty()) it.remove();
        }
    }

    private void failAll(RuntimeException e) {
        pending.values().forEach(ps -> ps.forEach(p -> p.outcome().completeExceptionally(e)));
        pending.clear();
        Registration r;
        while ((r = registrations.poll()) != null) r.positioned().completeExceptionally(new KafkaException("outcome watcher stopped", e));
    }

    /** Stops reading; outcomes still awaited complete exceptionally. */
    @Override
    public void close() {
        closed = true;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) c.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(new KafkaException("client closed"));
    }
}

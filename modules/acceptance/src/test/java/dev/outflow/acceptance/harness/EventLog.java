package dev.outflow.acceptance.harness;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.AvroSerde;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Warmup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Outflow's event topics ({@code delivered}, {@code bounced}, {@code deferred}) and its DLQ, read
 * from the beginning by a background thread, {@code read_committed} (what a consumer of the events
 * sees), without a consumer group. Warm-up records are skipped; a record that does not decode as a
 * {@code DeliveryEvent} is kept as a decode failure (a test can assert there are none). Partitions
 * are re-discovered every second, so it may start before the topics exist and survives a broker
 * restart (the consumer reconnects).
 *
 * <p>Thread-safe: the accessors return snapshots.
 */
public final class EventLog implements AutoCloseable {
    /** One event as read, with the topic it came from. */
    public record Event(String topic, int partition, long offset, DeliveryEvent value) {
        public String messageId() {
            return value.getMessageId();
        }

        public Outcome outcome() {
            return value.getOutcome();
        }

        public List<String> addresses() {
            return value.getRecipients().stream().map(RecipientStatus::getAddress).toList();
        }

        public RecipientStatus recipient(String address) {
            return value.getRecipients().stream().filter(r -> r.getAddress().equalsIgnoreCase(address)).findFirst()
                    .orElseThrow(() -> new AssertionError("no recipient " + address + " in " + value));
        }

        public boolean concerns(String address) {
            return value.getRecipients().stream().anyMatch(r -> r.getAddress().equalsIgnoreCase(address));
        }

        @Override
        public String toString() {
            return topic + "@" + partition + ":" + offset + " " + value.getOutcome() + " " + value.getMessageId() + " " + addresses()
                    + " attempt=" + value.getAttempt() + " tls=" + value.getTls() + " reason=" + value.getReason();
        }
    }

    /** A record on the DLQ: its key, value and the reason header. */
    public record DeadLetter(String topic, byte[] value, String reason) {}

    private static final AvroSerde<DeliveryEvent> SERDE = Serdes.deliveryEvent();

    private final List<String> eventTopics;
    private final String dlqTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final List<Event> events = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final List<String> decodeFailures = new ArrayList<>();
    private volatile boolean closed;
    private volatile Throwable failure;

    public EventLog(String bootstrap, String topicPrefix) {
        this.eventTopics = List.of(topicPrefix + "delivered", topicPrefix + "bounced", topicPrefix + "deferred");
        this.dlqTopic = topicPrefix + "dlq";
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "acceptance-eventlog");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name("eventlog-" + bootstrap).start(this::run);
    }

    private void run() {
        Set<TopicPartition> assigned = new HashSet<>();
        long nextDiscovery = 0;
        try {
            while (!closed) {
                if (System.nanoTime() >= nextDiscovery) {
                    discover(assigned);
                    nextDiscovery = System.nanoTime() + 1_000_000_000L;
                }
                if (assigned.isEmpty()) {
                    Waits.pause(Duration.ofMillis(100));
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) take(r);
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            if (!closed) failure = t;
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void discover(Set<TopicPartition> assigned) {
        Set<TopicPartition> all = new HashSet<>(assigned);
        List<String> topics = new ArrayList<>(eventTopics);
        topics.add(dlqTopic);
        for (String t : topics) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(t, Duration.ofSeconds(2));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                continue; // broker down or topic not there yet: next round
            }
            if (infos == null) continue;
            for (PartitionInfo i : infos) all.add(new TopicPartition(t, i.partition()));
        }
        if (all.size() > assigned.size()) {
            Set<TopicPartition> fresh = new HashSet<>(all);
            fresh.removeAll(assigned);
            consumer.assign(all);
            consumer.seekToBeginning(fresh);
            assigned.addAll(fresh);
        }
    }

    private void take(ConsumerRecord<byte[], byte[]> r) {
        if (Warmup.isWarmup(r)) return;
        if (r.topic().equals(dlqTopic)) {
            synchronized (this) {
                deadLetters.add(new DeadLetter(r.topic(), r.value(), DlqRecords.reason(r.headers())));
            }
            return;
        }
        try {
            DeliveryEvent e = SERDE.decode(r.value());
            synchronized (this) {
                events.add(new Event(r.topic(), r.partition(), r.offset(), e));
            }
        } catch (RuntimeException ex) {
            synchronized (this) {
                decodeFailures.add(r.topic() + "@" + r.partition() + ":" + r.offset() + " " + ex);
            }
        }
    }

    /** Every event read so far, in arrival order. */
    public synchronized List<Event> all() {
        checkHealthy();
        return List.copyOf(events);
    }

    public List<Event> matching(Predicate<Event> p) {
        return all().stream().filter(p).toList();
    }

    public List<Event> forMessage(String messageId) {
        return matching(e -> e.messageId().equals(messageId));
    }

    public List<Event> forRecipient(String address) {
        return matching(e -> e.concerns(address));
    }

    public synchronized List<DeadLetter> deadLetters() {
        checkHealthy();
        return List.copyOf(deadLetters);
    }

    public synchronized List<String> decodeFailures() {
        return List.copyOf(decodeFailures);
    }

    /**
     * Waits until an event matches and returns the first that does.
     *
     * @throws AssertionError listing every event read when none matched in time
     */
    public Event await(String what, Predicate<Event> p, Duration timeout) {
        try {
            return Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(100)).pollDelay(Duration.ZERO)
                    .until(() -> all().stream().filter(p).findFirst(), java.util.Optional::isPresent).orElseThrow();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no event " + what + " within " + timeout + "; events so far:\n  "
                    + String.join("\n  ", all().stream().map(Event::toString).toList()));
        }
    }

    /** Waits for the event of one message with one outcome. */
    public Event await(String messageId, Outcome outcome, Duration timeout) {
        return await(outcome + " of " + messageId, e -> e.messageId().equals(messageId) && e.outcome() == outcome, timeout);
    }

    private void checkHealthy() {
        if (failure != null) throw new AssertionError("the event reader failed", failure);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

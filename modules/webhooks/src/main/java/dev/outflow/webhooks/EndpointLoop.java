package dev.outflow.webhooks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.EventJson;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Warmup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's thread: reads the event topics in the endpoint's own consumer group, gathers
 * events into a batch (full at {@code batch_max}, or one second after its first event), POSTs it
 * and commits the offsets after the last record of the batch only once the endpoint answered 2xx.
 * A failing batch is retried with doubling waits (capped) while the group's partitions are paused,
 * so nothing behind it is read; when its oldest event is older than {@code max_age} it goes to the
 * webhooks DLQ and the offsets are committed. A stop or a lost partition drops the unacknowledged
 * batch uncommitted: the next owner sends it again (at least once).
 */
final class EndpointLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(EndpointLoop.class);
    static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    static final String ENDPOINT_HEADER = "outflow.webhooks.endpoint";

    record Settings(List<String> topics, String dlqTopic, Set<Outcome> outcomes, int batchMax, Duration maxAge, Duration backoffMax) {
    }

    private final Endpoint endpoint;
    private final Settings settings;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> dlq;
    private final RecordSerde<DeliveryEvent> serde;
    private final Poster poster;

    private final Deque<ConsumerRecord<byte[], byte[]>> waiting = new ArrayDeque<>();
    private final List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
    private final ArrayNode body = JsonNodeFactory.instance.arrayNode();
    /** Next offset per partition once the batch (and the filtered records before it) is acknowledged. */
    private final Map<TopicPartition, OffsetAndMetadata> upTo = new HashMap<>();
    private long batchStartedNanos;
    private long lastCommitNanos = System.nanoTime();
    private volatile boolean stopping;
    private volatile Set<TopicPartition> assignment = Set.of();

    EndpointLoop(Endpoint endpoint, Settings settings, KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> dlq,
                 RecordSerde<DeliveryEvent> serde, Poster poster) {
        this.endpoint = endpoint;
        this.settings = settings;
        this.consumer = consumer;
        this.dlq = dlq;
        this.serde = serde;
        this.poster = poster;
    }

    Set<TopicPartition> assignment() {
        return assignment;
    }

    void stop() {
        stopping = true;
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(settings.topics(), new Rebalance());
            while (!stopping) {
                if (waiting.isEmpty()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) waiting.add(r);
                }
                fill();
                if (!batch.isEmpty() && (batch.size() >= settings.batchMax() || System.nanoTime() - batchStartedNanos >= FLUSH_INTERVAL.toNanos())) {
                    deliver();
                } else if (batch.isEmpty() && !upTo.isEmpty() && System.nanoTime() - lastCommitNanos >= FLUSH_INTERVAL.toNanos()) {
                    commit(); // progress over filtered-out events
                }
            }
        } catch (WakeupException | InterruptedException stopped) {
            // close()
        } finally {
            if (!batch.isEmpty()) {
                log.info("webhook {}: stopping with an unacknowledged batch of {} events; it is sent again on the next start", endpoint, batch.size());
            }
            consumer.close(Duration.ofSeconds(5));
            poster.close();
        }
    }

    /** Moves waiting records into the batch until it is full; filtered and warm-up records only advance the offsets. */
    private void fill() throws InterruptedException {
        while (!waiting.isEmpty() && batch.size() < settings.batchMax()) {
            ConsumerRecord<byte[], byte[]> r = waiting.poll();
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (!Warmup.isWarmup(r) && r.value() != null) {
                DeliveryEvent e;
                try {
                    e = serde.deserialize(r.topic(), r.value());
                } catch (RuntimeException bad) {
                    log.warn("webhook {}: undecodable record {}-{}@{} goes to {}: {}", endpoint, r.topic(), r.partition(), r.offset(),
                            settings.dlqTopic(), bad.getMessage());
                    deadLetter(List.of(r), "undecodable event: " + bad.getMessage());
                    e = null;
                }
                if (e != null && (settings.outcomes().isEmpty() || settings.outcomes().contains(e.getOutcome()))) {
                    if (batch.isEmpty()) batchStartedNanos = System.nanoTime();
                    batch.add(r);
                    body.add(EventJson.of(e));
                }
            }
            upTo.put(tp, new OffsetAndMetadata(r.offset() + 1));
        }
    }

    /** Sends the batch until a 2xx, max_age (then the DLQ), a stop or the loss of its partitions. */
    private void deliver() throws InterruptedException {
        byte[] bytes = Poster.body(body);
        int events = batch.size();
        consumer.pause(consumer.assignment());
        try {
            Duration wait = FIRST_BACKOFF.compareTo(settings.backoffMax()) < 0 ? FIRST_BACKOFF : settings.backoffMax();
            for (int attempt = 1; !stopping && !batch.isEmpty(); attempt++) {
                Poster.Result result = poster.post(bytes, events);
                if (result.ok()) {
                    endpoint.delivered(events);
                    commit();
                    clearBatch();
                    return;
                }
                endpoint.failed(result.failure());
                long oldest = batch.stream().mapToLong(ConsumerRecord::timestamp).min().orElse(System.currentTimeMillis());
                Duration age = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - oldest));
                if (age.compareTo(settings.maxAge()) >= 0) {
                    String reason = "webhook " + endpoint + " did not take the batch within webhooks.max_age=" + settings.maxAge()
                            + " (" + attempt + " attempts, last: " + result.failure().label() + ", " + result.detail() + ")";
                    log.warn("{}; {} events go to {}", reason, events, settings.dlqTopic());
                    deadLetter(batch, reason);
                    commit();
                    clearBatch();
                    return;
                }
                log.warn("webhook {}: batch of {} events, attempt {} failed ({}: {}); next attempt in {} ms",
                        endpoint, events, attempt, result.failure().label(), result.detail(), wait.toMillis());
                pollWhileWaiting(wait);
                wait = wait.multipliedBy(2).compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : wait.multipliedBy(2);
            }
        } finally {
            consumer.resume(consumer.assignment());
        }
    }

    /** Waits out a backoff while staying in the group; records of newly assigned partitions are kept for later. */
    private void pollWhileWaiting(Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        while (!stopping && !batch.isEmpty()) {
            long left = until - System.nanoTime();
            if (left <= 0) return;
            consumer.pause(consumer.assignment());
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200))))) {
                waiting.add(r);
            }
        }
    }

    private void deadLetter(List<ConsumerRecord<byte[], byte[]>> records, String reason) throws InterruptedException {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ProducerRecord<byte[], byte[]> out = DlqRecords.of(settings.dlqTopic(), r, reason);
            out.headers().add(ENDPOINT_HEADER, endpoint.label().getBytes(StandardCharsets.UTF_8));
            sent.add(dlq.send(out));
        }
        try {
            for (var f : sent) f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Not committed: the batch is read and tried again, nothing is lost.
            throw new KafkaException("cannot write to " + settings.dlqTopic() + ": " + e.getMessage(), e);
        }
        endpoint.deadLettered(records.size());
    }

    private void commit() {
        if (upTo.isEmpty()) return;
        try {
            consumer.commitSync(new HashMap<>(upTo));
        } catch (org.apache.kafka.clients.consumer.CommitFailedException | org.apache.kafka.common.errors.RebalanceInProgressException e) {
            // The partitions moved on: their new owner starts from the previous commit (a duplicate, never a loss).
            log.warn("webhook {}: commit failed ({}); the new owner of the partitions sends the batch again", endpoint, e.getMessage());
        }
        upTo.clear();
        lastCommitNanos = System.nanoTime();
    }

    private void clearBatch() {
        batch.clear();
        body.removeAll();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (!revoked.isEmpty() && !stopping) rewind(revoked);
            assignment = Set.copyOf(consumer.assignment());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            if (!stopping) rewind(lost);
            assignment = Set.copyOf(consumer.assignment());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            assignment = Set.copyOf(consumer.assignment());
        }

        /** Drops everything not yet acknowledged and starts the partitions kept over from their committed offsets. */
        private void rewind(Collection<TopicPartition> gone) {
            if (batch.isEmpty() && waiting.isEmpty() && upTo.isEmpty()) return;
            clearBatch();
            waiting.clear();
            upTo.clear();
            Set<TopicPartition> kept = new HashSet<>(consumer.assignment());
            kept.removeAll(gone);
            if (kept.isEmpty()) return;
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(kept);
            for (TopicPartition tp : kept) {
                OffsetAndMetadata o = committed.get(tp);
                if (o == null) consumer.seekToBeginning(List.of(tp));
                else consumer.seek(tp, o);
            }
        }
    }
}

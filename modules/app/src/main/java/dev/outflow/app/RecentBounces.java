package dev.outflow.app;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Warmup;
import dev.outflow.reporting.bounce.BounceClassifier;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last {@link #KEEP} bounced recipients with their class and reply, for the dashboard.
 * Reporting keeps bounces per message and counted per window, but not as a recent list, so this
 * follows the bounced topic itself: without a consumer group (nothing committed, no rebalances),
 * starting {@link #KEEP} records before the end of each partition. Thread-safe.
 */
final class RecentBounces implements AutoCloseable {
    static final int KEEP = 50;
    private static final Logger log = LoggerFactory.getLogger(RecentBounces.class);

    /** One bounced recipient. */
    record Bounce(long at, String messageId, String recipient, String domain, int code, String enhancedCode,
                  String bounceClass, String reply) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final RecordSerde<DeliveryEvent> serde;
    private final BounceClassifier classifier;
    private final Deque<Bounce> recent = new ArrayDeque<>();
    private final Thread reader;
    private volatile boolean running = true;
    private boolean warnedUndecodable;

    RecentBounces(Context ctx, BounceClassifier classifier) {
        Map<String, Object> p = new HashMap<>(ctx.kafka());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "outflow-dashboard-bounces");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = ctx.topics().bounced();
        this.serde = ctx.codecs().deliveryEvent();
        this.classifier = classifier;
        this.reader = Thread.ofPlatform().daemon().name("dashboard-bounces").start(this::run);
    }

    /** Newest first. */
    synchronized List<Bounce> recent() {
        List<Bounce> out = new ArrayList<>(recent);
        java.util.Collections.reverse(out);
        return out;
    }

    private void run() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            while (running && parts.isEmpty()) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
            }
            consumer.assign(parts);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts);
            consumer.endOffsets(parts).forEach((tp, end) -> consumer.seek(tp, Math.max(begin.get(tp), end - KEEP)));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) add(r);
            }
        } catch (WakeupException stopping) {
            // close()
        } catch (RuntimeException e) {
            if (running) log.warn("Recent bounces for the dashboard stopped: {}", e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        if (Warmup.isWarmup(r) || r.value() == null) return;
        DeliveryEvent e;
        try {
            e = serde.deserialize(r.topic(), r.value());
        } catch (RuntimeException undecodable) {
            // Reporting counts and dead-letters these; the dashboard says once that it skips them.
            if (!warnedUndecodable) log.warn("Dashboard skips undecodable bounce records (first: {}-{}@{}: {})", r.topic(), r.partition(), r.offset(), undecodable.toString());
            warnedUndecodable = true;
            return;
        }
        for (RecipientStatus s : e.getRecipients()) {
            String enhanced = s.getEnhancedCode() == null ? null : s.getEnhancedCode().toString();
            String reply = s.getResponse() == null ? "" : s.getResponse().toString();
            Bounce b = new Bounce(e.getAt(), String.valueOf(e.getMessageId()), String.valueOf(s.getAddress()), String.valueOf(e.getDomain()),
                    s.getCode(), enhanced, classifier.classify(enhanced, reply), reply);
            synchronized (this) {
                recent.addLast(b);
                while (recent.size() > KEEP) recent.removeFirst();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

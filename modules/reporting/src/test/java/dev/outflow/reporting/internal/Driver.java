package dev.outflow.reporting.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.avro.Source;
import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionRecords;
import dev.outflow.codec.topics.Topics;
import dev.outflow.reporting.MessageTrack;
import dev.outflow.reporting.Stats;
import dev.outflow.reporting.bounce.BounceClassifier;

/**
 * Reporting's topology in a {@link TopologyTestDriver}: input topics for events and outbound
 * records, the DLQ and suppressions outputs, and readers for every store.
 */
final class Driver implements AutoCloseable {
    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    static final Topics TOPICS = Topics.defaults();

    final ReportingCounters counters = new ReportingCounters();
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> delivered;
    final TestInputTopic<byte[], byte[]> deferred;
    final TestInputTopic<byte[], byte[]> bounced;
    final TestInputTopic<byte[], byte[]> outbound;
    final TestInputTopic<byte[], byte[]> suppressionsIn;
    final TestOutputTopic<byte[], byte[]> dlq;
    final TestOutputTopic<byte[], byte[]> suppressions;
    private final Path stateDir;
    private final Duration retention;
    Instant now = T0;

    Driver() {
        this(Duration.ofDays(7), 20, BounceClassifier.builtin());
    }

    Driver(Duration retention, int historyMax, BounceClassifier classifier) {
        this(retention, historyMax, classifier, Tracker.RECENT_TRACKS, Tracker.RECENT_STATS);
    }

    /** A tracker that keeps only this many tracking entries and statistics windows as objects. */
    Driver(int recentTracks, int recentStats) {
        this(Duration.ofDays(7), 20, BounceClassifier.builtin(), recentTracks, recentStats);
    }

    private Driver(Duration retention, int historyMax, BounceClassifier classifier, int recentTracks, int recentStats) {
        try {
            stateDir = Files.createTempDirectory("reporting-ttd-");
            this.retention = retention;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        var settings = new ReportingTopology.Settings(TOPICS, 6, retention, historyMax, Duration.ofDays(30), classifier,
                dev.outflow.codec.Serdes.singleObject().deliveryEvent(), dev.outflow.codec.Serdes.outboundMessage());
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "reporting-test-" + UUID.randomUUID());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(ReportingTopology.build(settings, counters, recentTracks, recentStats), p, T0);
        ByteArraySerializer bs = new ByteArraySerializer();
        ByteArrayDeserializer bd = new ByteArrayDeserializer();
        delivered = driver.createInputTopic(TOPICS.delivered(), bs, bs);
        deferred = driver.createInputTopic(TOPICS.deferred(), bs, bs);
        bounced = driver.createInputTopic(TOPICS.bounced(), bs, bs);
        outbound = driver.createInputTopic(TOPICS.outbound(), bs, bs);
        suppressionsIn = driver.createInputTopic(TOPICS.suppressions(), bs, bs);
        dlq = driver.createOutputTopic(TOPICS.dlq(), bd, bd);
        suppressions = driver.createOutputTopic(TOPICS.suppressions(), bd, bd);
    }

    /** Pipes an event to the topic the worker would write it to. */
    void pipe(DeliveryEvent e) {
        pipe(e, dev.outflow.codec.Serdes.deliveryEvent().serialize("t", e));
    }

    /** Pipes an event as {@code events.format=json} writes it. */
    void pipeJson(DeliveryEvent e) {
        pipe(e, dev.outflow.codec.EventJson.encode(e));
    }

    private void pipe(DeliveryEvent e, byte[] value) {
        TestInputTopic<byte[], byte[]> topic = switch (e.getOutcome()) {
            case DELIVERED -> delivered;
            case DEFERRED -> deferred;
            default -> bounced;
        };
        if (Instant.ofEpochMilli(e.getAt()).isAfter(now)) now = Instant.ofEpochMilli(e.getAt());
        topic.pipeInput(new TestRecord<>(utf8(e.getMessageId()), value, Instant.ofEpochMilli(e.getAt())));
    }

    void queue(String id, String from, List<String> rcpts, Instant at) {
        String domain = rcpts.getFirst().substring(rcpts.getFirst().indexOf('@') + 1);
        OutboundMessage m = new OutboundMessage(id, from, new ArrayList<>(rcpts), domain, ByteBuffer.wrap(utf8("Subject: x\r\n\r\nx")),
                at.toEpochMilli(), 0, 0L, new HashMap<>(), null, new Source("api", null), null, false, null);
        if (at.isAfter(now)) now = at;
        outbound.pipeInput(new TestRecord<>(utf8(domain), dev.outflow.codec.Serdes.outboundMessage().serialize("t", m), at));
    }

    static DeliveryEvent event(String id, Outcome outcome, Instant at, int attempt, RecipientStatus... rcpts) {
        String first = rcpts[0].getAddress();
        DeliveryEvent e = new DeliveryEvent();
        e.setMessageId(id);
        e.setOutcome(outcome);
        e.setRecipients(List.of(rcpts));
        e.setDomain(first.substring(first.indexOf('@') + 1));
        e.setMailFrom("shop@example.com");
        e.setAt(at.toEpochMilli());
        e.setAttempt(attempt);
        e.setDelayMs(at.toEpochMilli() - T0.toEpochMilli());
        if (outcome != Outcome.REJECTED && outcome != Outcome.DROPPED) {
            e.setHost("mx." + e.getDomain());
            e.setIp("192.0.2.25");
            e.setPort(25);
            e.setTls(true);
        }
        if (outcome == Outcome.DEFERRED) e.setNextAttemptAt(at.plusSeconds(64).toEpochMilli());
        return e;
    }

    static RecipientStatus rcpt(String address, int code, String enhanced, String response) {
        return new RecipientStatus(address, code, enhanced, response);
    }

    /** What the API's local queries see at the time of the newest piped record. */
    LocalQueries queries() {
        return new LocalQueries(new LocalQueries.Stores() {
            @Override
            public <V> org.apache.kafka.streams.state.ReadOnlyWindowStore<String, V> window(String name) {
                return driver.getWindowStore(name);
            }

            @Override
            public <V> List<org.apache.kafka.streams.state.ReadOnlyWindowStore<String, V>> windowPartitions(String name) {
                return List.of(driver.<String, V>getWindowStore(name));
            }

            @Override
            public org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, ValueAndTimestamp<Suppression>> suppressions() {
                return driver.getTimestampedKeyValueStore(StoreNames.SUPPRESSIONS);
            }
        }, retention, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC));
    }

    MessageTrack track(String id) {
        return queries().message(id).orElse(null);
    }

    List<String> messagesOf(String address) {
        return queries().messageIdsOf(address);
    }

    /** The statistics of one window as the query path sums them ({@link Stats#ALL} too), or null. */
    Stats stats(String store, String domain, Instant windowStart) {
        if (Stats.ALL.equals(domain)) return queries().allDomains(store, windowStart, windowStart).windows().get(windowStart.toEpochMilli());
        Stats sum = null;
        for (LocalQueries.Window w : queries().stats(store, domain, windowStart, windowStart)) {
            if (w.start() == windowStart.toEpochMilli()) sum = (sum == null ? new Stats() : sum).merge(w.stats());
        }
        return sum;
    }

    Suppression globalSuppression(String address) {
        var store = driver.<String, Suppression>getTimestampedKeyValueStore(StoreNames.SUPPRESSIONS);
        ValueAndTimestamp<Suppression> v = store.get(address);
        return v == null ? null : v.value();
    }

    int globalSuppressionCount() {
        var store = driver.<String, Suppression>getTimestampedKeyValueStore(StoreNames.SUPPRESSIONS);
        int n = 0;
        try (KeyValueIterator<String, ValueAndTimestamp<Suppression>> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    List<KeyValue<String, Suppression>> suppressionOutputs() {
        List<KeyValue<String, Suppression>> out = new ArrayList<>();
        for (var r : suppressions.readRecordsToList()) {
            out.add(KeyValue.pair(new String(r.key(), StandardCharsets.UTF_8), SuppressionRecords.decode(r.value())));
        }
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
        try (var walk = Files.walk(stateDir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException ignored) {
            // temp dir
        }
    }
}

package dev.outflow.reporting;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.cancel.CancelRecords;
import dev.outflow.codec.cancel.Cancellation;
import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionPublisher;
import dev.outflow.codec.suppression.SuppressionRecords;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.reporting.bounce.BounceClassifier;
import dev.outflow.reporting.internal.Json;
import dev.outflow.reporting.internal.LocalQueries;
import dev.outflow.reporting.internal.RemoteInstances;
import dev.outflow.reporting.internal.ReportingCounters;
import dev.outflow.reporting.internal.ReportingTopology;
import dev.outflow.reporting.internal.StoreNames;

/**
 * Reporting: a Kafka Streams application ({@code <topic.prefix>reporting}, exactly-once v2) over
 * the event topics that keeps message tracking, per-domain statistics and the suppression list
 * (see {@link ReportingTopology} for the flow), and answers queries about them from any instance:
 * a key that lives on another instance is fetched from it over HTTP ({@code application.server} =
 * this instance's /api address), queries over all keys ask every instance and merge.
 *
 * <p>State lives in {@code reporting.state_dir} (RocksDB) and is restored from changelog topics
 * after a restart or on another instance. Scale by running more instances with the same
 * configuration. Thread-safe: queries from any thread; {@link #start()} and {@link #close()} once.
 * Queries throw {@link ReportingUnavailableException} while the application is not running.
 *
 * <pre>{@code
 * try (Reporting r = Reporting.fromConfig(config, kafkaProps, new HostInfo("127.0.0.1", 8700)).start()) {
 *     r.message("01J...").ifPresent(m -> System.out.println(m.state()));
 * }
 * }</pre>
 */
public final class Reporting implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reporting.class);
    private static final Duration SUPPRESSION_VISIBLE_WITHIN = Duration.ofSeconds(5);

    private final Config config;
    private final Map<String, Object> kafka;
    private final Topics topics;
    private final HostInfo self;
    private final Clock clock;
    private final Duration retention;
    private final ReportingCounters counters = new ReportingCounters();
    private final RemoteInstances remote;
    private KafkaStreams streams;
    private LocalQueries local;
    private SuppressionPublisher publisher;

    private Reporting(Config config, Map<String, Object> kafka, HostInfo self, Clock clock) {
        this.config = config;
        this.kafka = Map.copyOf(kafka);
        this.topics = new Topics(config.get(OutflowKeys.TOPIC_PREFIX), config.get(OutflowKeys.SCHEDULER_BUCKETS));
        this.self = self;
        this.clock = clock;
        this.retention = config.get(OutflowKeys.REPORTING_RETENTION);
        this.remote = new RemoteInstances(config.get(OutflowKeys.HTTP_TOKEN));
    }

    /**
     * Reporting as the app runs it.
     *
     * @param kafka Kafka client settings (bootstrap servers and pass-through keys)
     * @param self  where other instances reach this one's /api (becomes {@code application.server})
     */
    public static Reporting fromConfig(Config config, Map<String, Object> kafka, HostInfo self) {
        return new Reporting(config, kafka, self, Clock.systemUTC());
    }

    /**
     * The address other instances use for this one: {@code reporting.advertised_address}, else
     * {@code bound} with a wildcard host replaced by this host's name.
     */
    public static HostInfo advertised(Config config, java.net.InetSocketAddress bound) {
        String configured = config.get(OutflowKeys.REPORTING_ADVERTISED);
        if (configured != null && !configured.isBlank()) {
            try {
                HostInfo h = HostInfo.buildFromEndpoint(configured.strip());
                if (h == null) throw new IllegalArgumentException("empty");
                return h;
            } catch (RuntimeException e) {
                throw new ConfigException(OutflowKeys.REPORTING_ADVERTISED.name(), "'" + configured + "' is not host:port");
            }
        }
        String host = bound.getAddress().isAnyLocalAddress() ? localHostName() : bound.getAddress().getHostAddress();
        return new HostInfo(host, bound.getPort());
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** Builds the topology against the existing topics and starts the streams threads. */
    public Reporting start() {
        BounceClassifier classifier;
        try {
            classifier = BounceClassifier.load(config.get(OutflowKeys.REPORTING_BOUNCE_RULES));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(OutflowKeys.REPORTING_BOUNCE_RULES.name(), e.getMessage());
        }
        CodecFactory codecs = dev.outflow.codec.Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL), config.get(OutflowKeys.EVENTS_FORMAT));
        var settings = new ReportingTopology.Settings(topics, eventPartitions(), retention,
                config.get(OutflowKeys.REPORTING_ATTEMPT_HISTORY), config.get(OutflowKeys.SUPPRESSION_TTL), classifier,
                codecs.deliveryEvent(), codecs.outboundMessage());
        streams = new KafkaStreams(ReportingTopology.build(settings, counters), streamsProps());
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Reporting stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        local = new LocalQueries(new LocalQueries.Stores() {
            @Override
            public <V> ReadOnlyWindowStore<String, V> window(String name) {
                return store(name, QueryableStoreTypes.<String, V>windowStore());
            }

            @Override
            public <V> List<ReadOnlyWindowStore<String, V>> windowPartitions(String name) {
                List<ReadOnlyWindowStore<String, V>> out = new ArrayList<>();
                for (int p : localPartitions()) {
                    out.add(store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>windowStore()).withPartition(p)));
                }
                return out;
            }

            @Override
            public ReadOnlyKeyValueStore<String, ValueAndTimestamp<Suppression>> suppressions() {
                return store(StoreNames.SUPPRESSIONS, QueryableStoreTypes.<String, Suppression>timestampedKeyValueStore());
            }
        }, retention, clock);
        publisher = new SuppressionPublisher(kafka, topics.suppressions());
        streams.start();
        return this;
    }

    private Properties streamsProps() {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, topics.prefix() + "reporting");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        long commitMs = config.get(OutflowKeys.REPORTING_COMMIT_INTERVAL).toMillis();
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitMs);
        // Reporting lags by a commit interval anyway: fuller, rarer fetches spare the broker a
        // fetch request per few records (fetches were a sixth of the embedded broker's work).
        p.putIfAbsent(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), 64 * 1024);
        p.putIfAbsent(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), (int) Math.max(10, Math.min(500, commitMs / 4)));
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(config).toString());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.get(OutflowKeys.TOPIC_REPLICATION_FACTOR));
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        p.putIfAbsent(StreamsConfig.CLIENT_ID_CONFIG, topics.prefix() + "reporting-" + self.host() + "-" + self.port());
        return p;
    }

    /** {@code reporting.state_dir}, else {@code <data.dir>/reporting}. */
    public static Path stateDir(Config config) {
        String p = config.get(OutflowKeys.REPORTING_STATE_DIR);
        return p != null && !p.isBlank() ? Path.of(p.strip()) : config.get(OutflowKeys.DATA_DIR).resolve("reporting");
    }

    /** The partition count shared by the event topics; the repartition topic gets the same. */
    private int eventPartitions() {
        List<String> names = List.of(topics.delivered(), topics.deferred(), topics.bounced());
        try (Admin admin = Admin.create(kafka)) {
            Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
            var counts = new TreeMap<String, Integer>();
            d.forEach((n, t) -> counts.put(n, t.partitions().size()));
            if (counts.values().stream().distinct().count() != 1) {
                throw new IllegalStateException("the event topics must have the same number of partitions for reporting: " + counts);
            }
            return counts.firstEntry().getValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing the event topics", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot describe the event topics " + names + ": " + e.getMessage(), e);
        }
    }

    private <T> T store(String name, org.apache.kafka.streams.state.QueryableStoreType<T> type) {
        return store(StoreQueryParameters.fromNameAndType(name, type));
    }

    /** Partitions of the event topics whose tasks run here (active, not standby). */
    private List<Integer> localPartitions() {
        List<Integer> out = new ArrayList<>();
        for (var thread : streams.metadataForLocalThreads()) {
            for (var task : thread.activeTasks()) {
                for (var tp : task.topicPartitions()) {
                    if (tp.topic().equals(topics.delivered())) out.add(tp.partition());
                }
            }
        }
        return out;
    }

    private <T> T store(StoreQueryParameters<T> params) {
        try {
            return streams.store(params);
        } catch (InvalidStateStoreException e) {
            throw new ReportingUnavailableException("reporting is not ready (" + streams.state() + "): " + e.getMessage(), e);
        }
    }

    // --- queries

    /** The tracking entry of a message, from whichever instance holds it. */
    public Optional<MessageTrack> message(String id, boolean localOnly) {
        if (localOnly) return local.message(id);
        KeyQueryMetadata md = streams.queryMetadataForKey(StoreNames.TRACKING, id, Serdes.String().serializer());
        if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || md.activeHost() == null) {
            throw new ReportingUnavailableException("reporting is not ready (" + streams.state() + ")");
        }
        if (md.activeHost().equals(self)) return local.message(id);
        return remote.get(md.activeHost(), "/api/messages/" + ReportingApi.encode(id) + "?local=true")
                .map(n -> Json.MAPPER.convertValue(n, MessageTrack.class));
    }

    /** The tracked messages to an address within the retention, newest first. */
    public List<MessageTrack> messagesTo(String address, boolean localOnly) {
        List<MessageTrack> out = new ArrayList<>(localMessagesTo(address));
        if (!localOnly) {
            for (HostInfo h : others()) {
                remote.get(h, "/api/messages?rcpt=" + ReportingApi.encode(address) + "&local=true")
                        .ifPresent(n -> n.path("messages").forEach(m -> out.add(Json.MAPPER.convertValue(m, MessageTrack.class))));
            }
        }
        out.sort(Comparator.comparingLong((MessageTrack m) -> m.firstSeen).reversed());
        return out;
    }

    private List<MessageTrack> localMessagesTo(String address) {
        List<MessageTrack> out = new ArrayList<>();
        for (String id : local.messageIdsOf(address)) local.message(id).ifPresent(out::add);
        return out;
    }

    /** Statistics windows and per-domain sums, merged over the instances. */
    public StatsAnswer stats(String window, String domain, int last, boolean localOnly) {
        long size = windowSize(window);
        long now = clock.millis();
        long lastStart = now - Math.floorMod(now, size);
        Instant from = Instant.ofEpochMilli(lastStart - (long) (last - 1) * size);
        Instant to = Instant.ofEpochMilli(lastStart);
        String store = window.equals("1m") ? StoreNames.STATS_1M : StoreNames.STATS_1H;
        TreeMap<Long, Stats> windows = new TreeMap<>();
        TreeMap<String, Stats> domains = new TreeMap<>();
        if (Stats.ALL.equals(domain)) {
            LocalQueries.AllDomains all = local.allDomains(store, from, to);
            windows.putAll(all.windows());
            domains.putAll(all.domains());
        } else {
            for (LocalQueries.Window w : local.stats(store, domain, from, to)) windows.merge(w.start(), w.stats(), Stats::merge);
        }
        if (!localOnly) {
            for (HostInfo h : others()) {
                remote.get(h, "/api/stats?window=" + window + "&domain=" + ReportingApi.encode(domain) + "&last=" + last + "&local=true")
                        .ifPresent(n -> {
                            n.path("windows").forEach(w -> windows.merge(w.path("start").asLong(),
                                    Json.MAPPER.convertValue(w.path("stats"), Stats.class), Stats::merge));
                            n.path("domains").fields().forEachRemaining(e -> domains.merge(e.getKey(),
                                    Json.MAPPER.convertValue(e.getValue(), Stats.class), Stats::merge));
                        });
            }
        }
        return new StatsAnswer(window, domain, size, from.toEpochMilli(), windows, domains);
    }

    /** Raw statistics of a query: mergeable windows (by start) and domain sums. */
    public record StatsAnswer(String window, String domain, long size, long from, TreeMap<Long, Stats> windows,
                              TreeMap<String, Stats> domains) {
        /** The windows as the API shows them, oldest first. */
        public List<Stats.View> views() {
            List<Stats.View> out = new ArrayList<>();
            windows.forEach((start, s) -> out.add(s.view(domain, start, start + size)));
            return out;
        }

        /** Domains by recipients counted in the range, most first, at most {@code n}. */
        public List<Stats.View> topDomains(int n, long to) {
            List<Stats.View> out = new ArrayList<>();
            domains.forEach((d, s) -> out.add(s.view(d, from, to)));
            out.sort(Comparator.comparingLong((Stats.View v) -> v.delivered() + v.deferred() + v.bounced() + v.dropped() + v.rejected())
                    .reversed().thenComparing(Stats.View::domain));
            return out.size() > n ? List.copyOf(out.subList(0, n)) : out;
        }

        public boolean isEmpty() {
            return windows.isEmpty() && domains.isEmpty();
        }
    }

    static long windowSize(String window) {
        return switch (window) {
            case "1m" -> 60_000L;
            case "1h" -> 3_600_000L;
            default -> throw new IllegalArgumentException("window must be 1m or 1h, not '" + window + "'");
        };
    }

    private List<HostInfo> others() {
        List<HostInfo> out = new ArrayList<>();
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (!m.hostInfo().equals(self)) out.add(m.hostInfo());
        }
        return out;
    }

    // --- suppression list

    /** The suppressions in force, by address. Every instance holds the whole list. */
    public List<Suppression> suppressions() {
        List<Suppression> out = new ArrayList<>(local.suppressions());
        out.sort(Comparator.comparing(Suppression::address));
        return out;
    }

    public Optional<Suppression> suppression(String address) {
        return local.suppression(SuppressionRecords.key(address));
    }

    // --- cancel queued mail

    /** What {@link #cancel} did: {@code pending} are the recipients the cancellation will drop. */
    public sealed interface CancelAnswer {
        record Unknown(String id) implements CancelAnswer { }
        record Finished(String id, String state) implements CancelAnswer { }
        record Cancelled(String id, List<String> pending) implements CancelAnswer { }
    }

    /**
     * Cancels a queued message ({@code outflow cancel ID}, {@code POST /api/messages/{id}/cancel}):
     * its recipients that are still queued or deferred end as DROPPED "cancelled by operator" at
     * their next attempt, with no DSN. Tracking decides whether the id is known and unfinished.
     */
    public CancelAnswer cancel(String id, String issuedBy) {
        Optional<MessageTrack> track = message(id, false);
        if (track.isEmpty()) return new CancelAnswer.Unknown(id);
        List<String> pending = track.get().recipients.values().stream()
                .filter(r -> r.state.equals(RecipientTrack.QUEUED) || r.state.equals("deferred"))
                .map(r -> r.address).toList();
        if (pending.isEmpty()) return new CancelAnswer.Finished(id, track.get().state());
        CancelRecords.publish(kafka, topics.cancellations(), new Cancellation(id, null, clock.millis(), clock.millis(), issuedBy));
        return new CancelAnswer.Cancelled(id, pending);
    }

    /**
     * Suppresses an address by hand for {@code ttl} (null: {@code suppression.ttl}; zero: forever)
     * and waits briefly until this instance sees it.
     *
     * @throws IllegalArgumentException when the address is malformed
     */
    public Suppression suppress(String address, String reason, Duration ttl) {
        long now = clock.millis();
        Duration t = ttl == null ? config.get(OutflowKeys.SUPPRESSION_TTL) : ttl;
        Suppression s = new Suppression(SuppressionRecords.key(address), reason == null ? "" : reason, Suppression.MANUAL, null,
                now, t.isZero() ? 0 : now + t.toMillis());
        publisher.add(s);
        awaitVisible(s.address(), true);
        return s;
    }

    /** Removes an address from the list; false when it was not suppressed. */
    public boolean unsuppress(String address) {
        String key = SuppressionRecords.key(address);
        boolean was = local.suppression(key).isPresent();
        publisher.remove(key);
        awaitVisible(key, false);
        return was;
    }

    private void awaitVisible(String key, boolean present) {
        long deadline = System.nanoTime() + SUPPRESSION_VISIBLE_WITHIN.toNanos();
        try {
            while (local.suppression(key).isPresent() != present && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ReportingUnavailableException e) {
            // Written; this instance will see it once it runs.
        }
    }

    // --- state and counters

    /** Kafka Streams state, e.g. RUNNING or REBALANCING. */
    public String state() {
        return streams == null ? "CREATED" : streams.state().name();
    }

    public long events() {
        return counters.events.get();
    }

    public long undecodable() {
        return counters.undecodable.get();
    }

    public long duplicates() {
        return counters.duplicates.get();
    }

    public long suppressedByBounce() {
        return counters.suppressed.get();
    }

    /** Lag of this instance's tasks in records, summed over its partitions (from the consumer metrics). */
    public long lag() {
        double sum = 0;
        if (streams == null) return 0;
        for (var e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("records-lag") && e.getKey().group().equals("consumer-fetch-manager-metrics")
                    && e.getKey().tags().containsKey("partition")) {
                Object v = e.getValue().metricValue();
                if (v instanceof Double d && !d.isNaN()) sum += d;
            }
        }
        return (long) sum;
    }

    HostInfo self() {
        return self;
    }

    Map<String, Object> kafka() {
        return new HashMap<>(kafka);
    }

    JsonNode json(Object o) {
        return Json.MAPPER.valueToTree(o);
    }

    @Override
    public void close() {
        if (streams != null) streams.close(Duration.ofSeconds(30));
        if (publisher != null) publisher.close();
    }
}

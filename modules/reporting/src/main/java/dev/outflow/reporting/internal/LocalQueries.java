package dev.outflow.reporting.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.outflow.codec.suppression.Suppression;
import dev.outflow.reporting.MessageTrack;
import dev.outflow.reporting.Stats;

/**
 * Answers queries from the stores of this instance only (the tasks it runs); {@code Reporting}
 * combines the answers of all instances. Entries older than the retention are never returned,
 * even while a store still holds them. Thread-safe as far as the stores are.
 */
public final class LocalQueries {
    /** Where the stores come from: a running KafkaStreams, or a TopologyTestDriver in tests. */
    public interface Stores {
        /** The store over all local partitions (for keys that live in one partition: message ids). */
        <V> ReadOnlyWindowStore<String, V> window(String name);

        /**
         * The store of each local partition, for keys found in many partitions (domains,
         * addresses): a store over all partitions stops at the first partition holding the key.
         */
        <V> List<ReadOnlyWindowStore<String, V>> windowPartitions(String name);

        ReadOnlyKeyValueStore<String, ValueAndTimestamp<Suppression>> suppressions();
    }

    /** Statistics of one window start. */
    public record Window(long start, Stats stats) {
    }

    private final Stores stores;
    private final Duration retention;
    private final Clock clock;

    public LocalQueries(Stores stores, Duration retention, Clock clock) {
        this.stores = stores;
        this.retention = retention;
        this.clock = clock;
    }

    public Optional<MessageTrack> message(String id) {
        ReadOnlyWindowStore<String, MessageTrack> s = stores.window(StoreNames.TRACKING);
        try (WindowStoreIterator<MessageTrack> it = s.fetch(id, horizon(), Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            return it.hasNext() ? Optional.of(it.next().value) : Optional.empty();
        }
    }

    /** Ids of the messages to an address (index form: lower case), oldest first. */
    public List<String> messageIdsOf(String address) {
        Set<String> ids = new LinkedHashSet<>();
        for (ReadOnlyWindowStore<String, String> s : stores.<String>windowPartitions(StoreNames.RECIPIENTS)) {
            try (WindowStoreIterator<String> it = s.fetch(Tracker.index(address), horizon(), Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
                it.forEachRemaining(kv -> ids.add(kv.value));
            }
        }
        return new ArrayList<>(ids);
    }

    /**
     * Windows of {@code store} for one {@code domain} starting in [from, to], one per local
     * partition and start. The tracker counts each recipient under its domain only: sums over all
     * domains come from {@link #allDomains}.
     */
    public List<Window> stats(String store, String domain, Instant from, Instant to) {
        List<Window> out = new ArrayList<>();
        for (ReadOnlyWindowStore<String, Stats> s : stores.<Stats>windowPartitions(store)) {
            try (WindowStoreIterator<Stats> it = s.fetch(domain, from, to)) {
                it.forEachRemaining(kv -> out.add(new Window(kv.key, kv.value)));
            }
        }
        return out;
    }

    /**
     * The windows of {@code store} starting in [from, to] over all local domains, summed per window
     * start and per domain in one pass.
     */
    public AllDomains allDomains(String store, Instant from, Instant to) {
        ReadOnlyWindowStore<String, Stats> s = stores.window(store);
        AllDomains out = new AllDomains(new TreeMap<>(), new TreeMap<>());
        try (KeyValueIterator<Windowed<String>, Stats> it = s.fetchAll(from, to)) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, Stats> kv = it.next();
                // Earlier versions also stored "*" sums; their domains' entries already add up to them.
                if (Stats.ALL.equals(kv.key.key())) continue;
                out.windows().computeIfAbsent(kv.key.window().start(), k -> new Stats()).merge(kv.value);
                out.domains().computeIfAbsent(kv.key.key(), k -> new Stats()).merge(kv.value);
            }
        }
        return out;
    }

    /** Sums over all domains: by window start, and by domain over the whole range. */
    public record AllDomains(TreeMap<Long, Stats> windows, TreeMap<String, Stats> domains) {
    }

    /** The suppressions in force (the global store: every instance has all of them). */
    public List<Suppression> suppressions() {
        long now = clock.millis();
        List<Suppression> out = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<Suppression>> it = stores.suppressions().all()) {
            while (it.hasNext()) {
                var v = it.next().value;
                if (v != null && v.value() != null && v.value().activeAt(now)) out.add(v.value());
            }
        }
        return out;
    }

    public Optional<Suppression> suppression(String key) {
        ValueAndTimestamp<Suppression> v = stores.suppressions().get(key);
        return v == null || v.value() == null || !v.value().activeAt(clock.millis()) ? Optional.empty() : Optional.of(v.value());
    }

    public Instant now() {
        return clock.instant();
    }

    private Instant horizon() {
        return clock.instant().minus(retention).plusMillis(1);
    }
}

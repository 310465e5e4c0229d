package dev.outflow.router.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/**
 * The router as a Kafka Streams topology: the submissions topic and the retry topics → one
 * {@link RouteProcessor} (with the dedupe window store and the store of waiting retry records) →
 * one sink writing each output to the topic and partition the processor chose (outbound parts
 * keyed by routing key, REJECTED events, DLQ copies, retry records).
 */
public final class RouterTopology {
    /** Dedupe ids; its changelog is {@code <application id>-dedupe-changelog}. */
    public static final String DEDUPE_STORE = "dedupe";
    /** Retry records read before they were due; changelog {@code <application id>-waiting-changelog}. */
    public static final String WAITING_STORE = "waiting";

    /** An output record with the topic and partition (null: by key) the handler chose. */
    public record Out(String topic, Integer partition, byte[] value) {
    }

    private RouterTopology() {
    }

    /**
     * @param window       {@code router.dedupe_window}: an id is skipped when queued less than this ago
     * @param releaseEvery how often waiting retry records are checked for being due (wall clock)
     */
    public static Topology build(String submissions, RecordHandler handler, RetryTopics retries, Refusals refusals, Transaction txn,
                                 Clock clock, Duration window, Duration releaseEvery) {
        List<String> inputs = new ArrayList<>();
        inputs.add(submissions);
        inputs.addAll(retries.names());
        Topology t = new Topology();
        t.addSource("inputs", new ByteArrayDeserializer(), new ByteArrayDeserializer(), inputs.toArray(String[]::new));
        t.addProcessor("route", () -> new RouteProcessor(handler, retries, refusals, txn, clock, window.toMillis(), releaseEvery), "inputs");
        // Persistent (RocksDB): an in-memory window store walks every window start in the range on each lookup.
        t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(DEDUPE_STORE, window, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.Long()), "route");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WAITING_STORE), Serdes.Bytes(), Serdes.ByteArray()),
                "route");
        StreamPartitioner<byte[], Out> partitioner = (topic, key, value, n) -> {
            if (value.partition() != null) return Optional.of(Set.of(value.partition()));
            if (key == null) return Optional.empty();
            return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(key)) % n));
        };
        t.addSink("out", (key, value, ctx) -> value.topic(), new ByteArraySerializer(), (topic, value) -> value.value(), partitioner,
                "route");
        return t;
    }
}

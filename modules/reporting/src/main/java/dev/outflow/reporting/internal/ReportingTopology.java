package dev.outflow.reporting.internal;

import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.topics.Topics;
import dev.outflow.reporting.MessageTrack;
import dev.outflow.reporting.Stats;
import dev.outflow.reporting.bounce.BounceClassifier;

/**
 * Reporting's Kafka Streams topology:
 * <pre>
 *  outflow.outbound ─ QueuedDecoder ─ repartition by message id ─┐
 *  outflow.delivered ┐                                           ├─ Tracker ─► outflow.suppressions
 *  outflow.deferred  ├─ EventDecoder ─┬─ events ─────────────────┘   (stores: tracking, recipients,
 *  outflow.bounced   ┘                └─ undecodable ─► outflow.dlq              stats-1m, stats-1h)
 *  outflow.suppressions ─► global store "suppressions"
 * </pre>
 * The tracker's stores are partitioned like the event topics (by message id); the repartition
 * topic gets the same partition count so a message's queueing and events meet in one task.
 */
public final class ReportingTopology {
    /** 1-minute statistics are kept this long; 1-hour ones for {@code reporting.retention}. */
    public static final Duration MINUTE_STATS_RETENTION = Duration.ofHours(24);

    private ReportingTopology() {
    }

    /** The settings the topology depends on. */
    public record Settings(Topics topics, int eventPartitions, Duration retention, int historyMax, Duration suppressionTtl,
                           BounceClassifier classifier, RecordSerde<DeliveryEvent> events,
                           RecordSerde<OutboundMessage> messages) {
    }

    public static Topology build(Settings s, ReportingCounters counters) {
        return build(s, counters, Tracker.RECENT_TRACKS, Tracker.RECENT_STATS);
    }

    /** With the number of tracking entries and statistics windows the tracker keeps as objects. */
    static Topology build(Settings s, ReportingCounters counters, int recentTracks, int recentStats) {
        StreamsBuilder b = new StreamsBuilder();
        Serde<MessageTrack> trackSerde = TrackSerde.serde();
        Serde<Stats> statsSerde = StatsSerde.serde();
        Serde<Suppression> suppressionSerde = SuppressionSerde.create();
        Duration hourRetention = s.retention().compareTo(Duration.ofHours(1)) < 0 ? Duration.ofHours(1) : s.retention();

        b.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(StoreNames.TRACKING, s.retention(), Duration.ofMillis(1), false),
                Serdes.String(), trackSerde).withCachingEnabled());
        b.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(StoreNames.RECIPIENTS, s.retention(), Duration.ofMillis(1), true),
                Serdes.String(), Serdes.String()));
        b.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(StoreNames.STATS_1M, MINUTE_STATS_RETENTION, Duration.ofMinutes(1), false),
                Serdes.String(), statsSerde).withCachingEnabled());
        b.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(StoreNames.STATS_1H, hourRetention, Duration.ofHours(1), false),
                Serdes.String(), statsSerde).withCachingEnabled());
        b.globalTable(s.topics().suppressions(), Consumed.with(Serdes.String(), suppressionSerde).withName("suppressions-source"),
                Materialized.<String, Suppression, KeyValueStore<Bytes, byte[]>>as(StoreNames.SUPPRESSIONS)
                        .withKeySerde(Serdes.String()).withValueSerde(suppressionSerde));

        KStream<String, Object> queued = b.stream(s.topics().outbound(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("outbound-source"))
                .process(() -> new QueuedDecoder(s.messages(), counters), Named.as("queued-decoder"))
                .repartition(Repartitioned.with(Serdes.String(), QueuedSerde.serde())
                        .withName("queued").withNumberOfPartitions(s.eventPartitions()))
                .mapValues(q -> (Object) q, Named.as("queued-as-observation"));

        KStream<String, Object> decoded = b.stream(List.of(s.topics().delivered(), s.topics().deferred(), s.topics().bounced()),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("events-source"))
                .process(() -> new EventDecoder(s.events(), s.topics().dlq(), counters), Named.as("event-decoder"));
        decoded.filter((k, v) -> v instanceof DeadLetter, Named.as("undecodable"))
                .mapValues(v -> ((DeadLetter) v).value(), Named.as("undecodable-bytes"))
                .to(s.topics().dlq(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("dlq-sink"));

        decoded.filterNot((k, v) -> v instanceof DeadLetter, Named.as("events"))
                .merge(queued, Named.as("observations"))
                .process(() -> new Tracker(s.classifier(), s.retention(), s.historyMax(), s.suppressionTtl(), counters,
                                recentTracks, recentStats), Named.as("tracker"),
                        StoreNames.TRACKING, StoreNames.RECIPIENTS, StoreNames.STATS_1M, StoreNames.STATS_1H)
                .to(s.topics().suppressions(), Produced.with(Serdes.String(), suppressionSerde).withName("suppressions-sink"));
        return b.build();
    }
}

package dev.outflow.app;

import dev.outflow.codec.topics.Warmup;
import dev.outflow.router.internal.RetryTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code outflow status}: one line per topic. For a topic an Outflow stage consumes (outbound:
 * workers; deferred and delay buckets: scheduler; submissions and the router's retry topics:
 * router) it prints the records waiting
 * for that consumer group, the group's members, and when something waits the age of the oldest
 * waiting record. For the event topics and the two DLQs (stages', webhooks') it prints the records they hold.
 *
 * <p>Counts are of records, read with {@code read_committed} like the stages read them: offsets
 * also number transaction markers, aborted records and the bootstrap warm-up record, which nobody
 * waits for. A partition with more than {@link #EXACT_LIMIT} offsets to examine is estimated from
 * its offsets and printed with {@code ~}.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Queue depth per topic: records waiting for their consumer group, its members and the oldest waiting record's age; events and DLQ: records held.")
final class StatusCommand implements Callable<Integer> {
    static final int EXACT_LIMIT = 20_000;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        Context ctx = Context.of(options.load());
        Map<String, String> groupOf = new LinkedHashMap<>();
        groupOf.put(ctx.topics().submissions(), ctx.group("router"));
        groupOf.put(ctx.topics().outbound(), ctx.group("worker"));
        groupOf.put(ctx.topics().deferred(), ctx.group("scheduler"));
        for (String d : ctx.topics().delayTopics()) groupOf.put(d, ctx.group("scheduler"));
        for (String t : List.of(ctx.topics().delivered(), ctx.topics().bounced(), ctx.topics().dlq(), ctx.topics().webhooksDlq())) groupOf.put(t, null);

        Map<String, Object> props = new HashMap<>(ctx.kafka());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (Admin admin = Admin.create(ctx.kafka());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            // Submissions a queue_outbound hook refused for now wait in the router's retry topics.
            String retryPrefix = RetryTopics.namePrefix(ctx.topics().prefix());
            existing.stream().filter(t -> t.startsWith(retryPrefix)).sorted()
                    .forEach(t -> groupOf.putIfAbsent(t, ctx.group("router")));
            List<String> topics = groupOf.keySet().stream().filter(existing::contains)
                    .sorted(java.util.Comparator.comparingInt(t -> t.startsWith(retryPrefix) ? 1 : 0)).toList();
            if (topics.isEmpty()) {
                System.out.println("no Outflow topics yet (run 'outflow up' or 'outflow topics create')");
                return 0;
            }
            Map<String, TopicDescription> desc = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            List<TopicPartition> parts = new ArrayList<>();
            desc.values().forEach(d -> d.partitions().forEach(p -> parts.add(new TopicPartition(d.name(), p.partition()))));
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts, Duration.ofSeconds(30));
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30)); // last stable offset

            Set<String> groups = new java.util.TreeSet<>();
            groupOf.values().forEach(g -> { if (g != null) groups.add(g); });
            Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
            for (String g : groups) {
                committed.put(g, admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS));
            }
            Map<String, ConsumerGroupDescription> members = new HashMap<>();
            for (var e : admin.describeConsumerGroups(groups).describedGroups().entrySet()) {
                try {
                    members.put(e.getKey(), e.getValue().get(30, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException notThere) {
                    // a stage that never ran has no group yet: zero members
                }
            }

            Map<TopicPartition, Long> from = new HashMap<>();
            for (TopicPartition tp : parts) {
                String group = groupOf.get(tp.topic());
                OffsetAndMetadata c = group == null ? null : committed.get(group).get(tp);
                from.put(tp, Math.max(begin.get(tp), c == null ? 0 : c.offset()));
            }
            Map<TopicPartition, Span> spans = new PartitionCounter(consumer).count(from, end);
            long now = System.currentTimeMillis();
            for (String t : topics) {
                String group = groupOf.get(t);
                Span total = Span.EMPTY;
                for (TopicPartition tp : parts) if (tp.topic().equals(t)) total = total.plus(spans.get(tp));
                String count = (total.estimated() ? "~" : "") + total.records();
                if (group == null) {
                    System.out.printf("%-28s %8s records%n", t, count);
                } else {
                    ConsumerGroupDescription g = members.get(group);
                    int n = g == null ? 0 : g.members().size();
                    String oldest = total.oldestTimestamp() == Long.MAX_VALUE ? ""
                            : ", oldest waiting " + Durations.human(Duration.ofMillis(Math.max(0, now - total.oldestTimestamp())));
                    System.out.printf("%-28s %8s waiting  (group %s, %d member%s%s)%n", t, count, group, n, n == 1 ? "" : "s", oldest);
                }
            }
        }
        return 0;
    }

    /** What a range of one or more partitions holds: records, oldest record time, whether estimated. */
    record Span(long records, long oldestTimestamp, boolean estimated) {
        static final Span EMPTY = new Span(0, Long.MAX_VALUE, false);

        Span plus(Span o) {
            return new Span(records + o.records, Math.min(oldestTimestamp, o.oldestTimestamp), estimated || o.estimated);
        }
    }

    /** Reads each partition from a start offset to its end and counts the data records in between. */
    static final class PartitionCounter {
        private final KafkaConsumer<byte[], byte[]> consumer;

        PartitionCounter(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        Map<TopicPartition, Span> count(Map<TopicPartition, Long> from, Map<TopicPartition, Long> end) {
            Map<TopicPartition, Span> out = new HashMap<>();
            Map<TopicPartition, Long> stopAt = new HashMap<>();
            for (var e : from.entrySet()) {
                TopicPartition tp = e.getKey();
                long start = e.getValue();
                long stop = end.get(tp);
                out.put(tp, Span.EMPTY);
                if (stop <= start) continue;
                // A long range is estimated from its offsets; reading its first record still gives the age.
                stopAt.put(tp, stop - start > EXACT_LIMIT ? start + 1 : stop);
                if (stop - start > EXACT_LIMIT) out.put(tp, new Span(stop - start, Long.MAX_VALUE, true));
            }
            if (stopAt.isEmpty()) return out;
            consumer.assign(stopAt.keySet());
            stopAt.forEach((tp, stop) -> consumer.seek(tp, from.get(tp)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Set<TopicPartition> open = new java.util.HashSet<>(stopAt.keySet());
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (!open.contains(tp) || r.offset() >= stopAt.get(tp) && !out.get(tp).estimated()) continue;
                    if (Warmup.isWarmup(r)) continue;
                    Span s = out.get(tp);
                    long oldest = Math.min(s.oldestTimestamp(), r.timestamp());
                    out.put(tp, s.estimated() ? new Span(s.records(), oldest, true) : new Span(s.records() + 1, oldest, false));
                }
                // Markers and aborted records are skipped by the consumer, so the position, not the
                // last record seen, tells when a range is done.
                open.removeIf(tp -> consumer.position(tp) >= stopAt.get(tp));
                consumer.pause(stopAt.keySet().stream().filter(tp -> !open.contains(tp)).toList());
            }
            for (TopicPartition tp : open) out.put(tp, new Span(end.get(tp) - from.get(tp), out.get(tp).oldestTimestamp(), true));
            return out;
        }
    }
}

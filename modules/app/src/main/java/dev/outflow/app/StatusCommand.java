package dev.outflow.app;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code outflow status}: one line per topic with the records waiting for the Outflow stage that
 * consumes it (outbound: workers; deferred and delay buckets: scheduler; submissions: router),
 * and for the event topics and the DLQ the records they hold. Warm-up records are not counted.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Queue depth per topic: records waiting for their consumer group (events and DLQ: records held).")
final class StatusCommand implements Callable<Integer> {
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
        for (String t : List.of(ctx.topics().delivered(), ctx.topics().bounced(), ctx.topics().dlq())) groupOf.put(t, null);

        try (Admin admin = Admin.create(ctx.kafka())) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> topics = groupOf.keySet().stream().filter(existing::contains).toList();
            if (topics.isEmpty()) {
                System.out.println("no Outflow topics yet (run 'outflow up' or 'outflow topics create')");
                return 0;
            }
            Map<String, TopicDescription> desc = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            List<TopicPartition> parts = new ArrayList<>();
            desc.values().forEach(d -> d.partitions().forEach(p -> parts.add(new TopicPartition(d.name(), p.partition()))));
            Map<TopicPartition, Long> begin = offsets(admin, parts, OffsetSpec.earliest());
            Map<TopicPartition, Long> end = offsets(admin, parts, OffsetSpec.latest());
            Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
            for (String g : new java.util.HashSet<>(groupOf.values())) {
                if (g != null) committed.put(g, admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS));
            }
            for (String t : topics) {
                String group = groupOf.get(t);
                long waiting = 0;
                long held = 0;
                for (TopicPartition tp : parts) {
                    if (!tp.topic().equals(t)) continue;
                    // Offset 0 of every partition is the warm-up record of topic bootstrap (deleted since, or kept
                    // on topics warmed by older versions): never counted.
                    long first = Math.max(begin.get(tp), end.get(tp) > 0 ? 1 : 0);
                    held += Math.max(0, end.get(tp) - first);
                    OffsetAndMetadata c = group == null ? null : committed.get(group).get(tp);
                    waiting += Math.max(0, end.get(tp) - Math.max(first, c == null ? 0 : c.offset()));
                }
                if (group == null) {
                    System.out.printf("%-28s %8d records%n", t, held);
                } else {
                    System.out.printf("%-28s %8d waiting  (%d records, group %s)%n", t, waiting, held, group);
                }
            }
        }
        return 0;
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> parts, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        parts.forEach(p -> req.put(p, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        for (var e : admin.listOffsets(req).all().get(30, TimeUnit.SECONDS).entrySet()) {
            ListOffsetsResult.ListOffsetsResultInfo info = e.getValue();
            out.put(e.getKey(), info.offset());
        }
        return out;
    }
}

package dev.outflow.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * The members of Outflow's consumer groups (workers, schedulers, routers) and the partitions each
 * holds, as Kafka's group coordinator sees them: what {@code outflow status} counts, per member.
 * Answers are cached for {@link #FRESH} so several open dashboards cost one Admin call. Thread-safe.
 */
final class GroupMembers implements AutoCloseable {
    static final Duration FRESH = Duration.ofSeconds(2);

    /** One member: its client id (workers name it after {@code worker.id}), host and partitions ("topic-n"). */
    record Member(String group, String clientId, String host, List<String> partitions) {}

    record Answer(long at, List<Member> members, List<String> errors) {}

    private final Admin admin;
    private final List<String> groups;
    private Answer cached = new Answer(0, List.of(), List.of());

    GroupMembers(Map<String, Object> kafka, List<String> groups) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.keySet().removeIf(k -> k.endsWith(".serializer") || k.endsWith(".deserializer"));
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-dashboard");
        this.admin = Admin.create(p);
        this.groups = List.copyOf(groups);
    }

    synchronized Answer now() {
        long t = System.currentTimeMillis();
        if (t - cached.at() < FRESH.toMillis()) return cached;
        List<Member> members = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (var e : admin.describeConsumerGroups(groups).describedGroups().entrySet()) {
            try {
                ConsumerGroupDescription g = e.getValue().get(5, TimeUnit.SECONDS);
                g.members().forEach(m -> members.add(new Member(e.getKey(), m.clientId(), m.host().startsWith("/") ? m.host().substring(1) : m.host(),
                        m.assignment().topicPartitions().stream()
                                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                                .map(TopicPartition::toString).toList())));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                errors.add(e.getKey() + ": interrupted");
            } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
                // A group that never ran has no description: it just has no members.
                if (!(ex.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                    errors.add(e.getKey() + ": " + (ex.getCause() == null ? ex : ex.getCause()).toString());
                }
            }
        }
        members.sort(Comparator.comparing(Member::group).thenComparing(Member::clientId));
        cached = new Answer(t, List.copyOf(members), List.copyOf(errors));
        return cached;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}

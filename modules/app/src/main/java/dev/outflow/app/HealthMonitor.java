package dev.outflow.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@code /health} and {@code /ready} answer. Healthy: Kafka answered a metadata request within
 * the last few seconds and no stage of this process has stopped. Ready: healthy, and every
 * consuming stage has joined its consumer group (it holds partitions, or the group is stable with
 * more members than partitions, so this member is a standby). Kafka is probed on a background
 * thread every {@link #PERIOD}, so both endpoints answer at once whatever the broker does.
 *
 * <p>Thread-safe.
 */
final class HealthMonitor implements AutoCloseable {
    static final Duration PERIOD = Duration.ofSeconds(2);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    /** One stage: a problem (null when fine), its group, its assignment, the partitions it consumes. */
    record Stage(String name, Supplier<String> problem, String group, Supplier<Set<TopicPartition>> assignment, int partitions) {
        static Stage listener(String name, Supplier<String> problem) {
            return new Stage(name, problem, null, Set::of, 0);
        }
    }

    /** The answer of an endpoint: fine or not, and why not. */
    record Verdict(boolean ok, List<String> reasons) {}

    private final List<Stage> stages = new CopyOnWriteArrayList<>();
    private final Admin admin;
    private final ScheduledExecutorService probe;
    private volatile String kafkaProblem = "Kafka not probed yet";
    private volatile Map<String, ConsumerGroupDescription> groups = Map.of();

    HealthMonitor(Map<String, Object> kafka) {
        Map<String, Object> p = new java.util.HashMap<>(kafka);
        p.keySet().removeIf(k -> k.endsWith(".serializer") || k.endsWith(".deserializer"));
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-health");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) PROBE_TIMEOUT.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) PROBE_TIMEOUT.toMillis());
        this.admin = Admin.create(p);
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("health-probe").unstarted(r));
        probe.scheduleWithFixedDelay(this::probeKafka, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    void add(Stage stage) {
        stages.add(stage);
    }

    List<String> stageNames() {
        return stages.stream().map(Stage::name).toList();
    }

    Verdict health() {
        List<String> reasons = new ArrayList<>();
        String k = kafkaProblem;
        if (k != null) reasons.add(k);
        for (Stage s : stages) {
            String p = s.problem().get();
            if (p != null) reasons.add(s.name() + ": " + p);
        }
        return new Verdict(reasons.isEmpty(), reasons);
    }

    Verdict readiness() {
        Verdict h = health();
        List<String> reasons = new ArrayList<>(h.reasons());
        for (Stage s : stages) {
            if (s.group() == null || !s.assignment().get().isEmpty()) continue;
            ConsumerGroupDescription g = groups.get(s.group());
            boolean standby = g != null && g.groupState() == GroupState.STABLE && g.members().size() > s.partitions();
            if (!standby) reasons.add(s.name() + ": has not joined group " + s.group() + " yet");
        }
        return new Verdict(reasons.isEmpty(), reasons);
    }

    private void probeKafka() {
        try {
            int nodes = admin.describeCluster().nodes().get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
            if (nodes == 0) {
                kafkaProblem = "Kafka unreachable: no broker in the cluster metadata";
                return;
            }
            Set<String> waiting = new java.util.HashSet<>();
            for (Stage s : stages) if (s.group() != null && s.assignment().get().isEmpty()) waiting.add(s.group());
            Map<String, ConsumerGroupDescription> found = new java.util.HashMap<>();
            if (!waiting.isEmpty()) {
                for (var e : admin.describeConsumerGroups(waiting).describedGroups().entrySet()) {
                    try {
                        found.put(e.getKey(), e.getValue().get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                    } catch (java.util.concurrent.ExecutionException notYet) {
                        // the group does not exist yet: not joined
                    }
                }
            }
            groups = found;
            kafkaProblem = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            kafkaProblem = "Kafka unreachable: " + c.getClass().getSimpleName() + (c.getMessage() == null ? "" : " " + c.getMessage());
        }
    }

    @Override
    public void close() {
        probe.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}

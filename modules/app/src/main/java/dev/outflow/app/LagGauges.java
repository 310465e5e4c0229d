package dev.outflow.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code outflow_consumer_lag{group,topic,partition}}: the queue depth each consuming stage of this
 * process sees, refreshed every {@link #PERIOD} from the group's committed offsets and the
 * partitions' end offsets (offsets, not records: a trailing transaction marker counts one). The
 * same numbers KEDA or an alert rule would scale or page on. Thread-safe.
 */
final class LagGauges implements AutoCloseable {
    static final Duration PERIOD = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(LagGauges.class);

    private final Admin admin;
    private final MultiGauge gauge;
    private final Map<String, Set<String>> topicsOfGroup = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    LagGauges(Map<String, Object> kafka, MeterRegistry registry) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.keySet().removeIf(k -> k.endsWith(".serializer") || k.endsWith(".deserializer"));
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-lag");
        this.admin = Admin.create(p);
        this.gauge = MultiGauge.builder("outflow.consumer.lag").description("Records (offsets) waiting for a consumer group, per partition.")
                .baseUnit("records").register(registry);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("lag-gauges").unstarted(r));
        timer.scheduleWithFixedDelay(this::refresh, 1, PERIOD.toSeconds(), TimeUnit.SECONDS);
    }

    /** Reports the lag of {@code group} on these topics. */
    void watch(String group, List<String> topics) {
        topicsOfGroup.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet()).addAll(topics);
    }

    private void refresh() {
        try {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (var e : topicsOfGroup.entrySet()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(e.getKey())
                        .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
                for (var d : admin.describeTopics(e.getValue()).allTopicNames().get(5, TimeUnit.SECONDS).values()) {
                    d.partitions().forEach(pi -> ask.put(new TopicPartition(d.name(), pi.partition()), OffsetSpec.latest()));
                }
                var ends = admin.listOffsets(ask).all().get(5, TimeUnit.SECONDS);
                ends.forEach((tp, info) -> {
                    OffsetAndMetadata c = committed.get(tp);
                    long lag = Math.max(0, info.offset() - (c == null ? 0 : c.offset()));
                    rows.add(MultiGauge.Row.of(Tags.of("group", e.getKey(), "topic", tp.topic(), "partition", String.valueOf(tp.partition())), lag));
                });
            }
            gauge.register(rows, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Kafka away: keep the last values; /health says why.
            log.debug("Lag refresh failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}

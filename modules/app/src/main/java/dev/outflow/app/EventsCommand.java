package dev.outflow.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.EventJson;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.topics.Warmup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code outflow events}: prints the records of the event topics decoded, one JSON object per line
 * (the DLQ: key, reason, source and the value in base64), like {@code kafka-console-consumer}: from
 * the end unless {@code --from-beginning}, until the current end unless {@code --follow}. Reads
 * without a consumer group ({@code read_committed}); undecodable records are reported on stderr.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Print delivery events as JSON lines (default topics: delivered, deferred, bounced).")
final class EventsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ConfigOptions options;

    @Option(names = "--topic", paramLabel = "T", description = "Topic to read: delivered, deferred, bounced, dlq (with or without the prefix); repeatable.")
    List<String> topicNames = new ArrayList<>();

    @Option(names = "--follow", description = "Keep printing new events until stopped (Ctrl-C).")
    boolean follow;

    @Option(names = "--from-beginning", description = "Start at the oldest record instead of the end.")
    boolean fromBeginning;

    @Override
    public Integer call() {
        Context ctx = Context.of(options.load());
        List<String> topics = resolve(ctx);
        RecordSerde<DeliveryEvent> serde = ctx.codecs().deliveryEvent();
        Map<String, Object> p = new HashMap<>(ctx.kafka());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : topics) c.partitionsFor(t, Duration.ofSeconds(30)).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
            c.assign(parts);
            if (fromBeginning) c.seekToBeginning(parts);
            else c.seekToEnd(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            Thread main = Thread.currentThread();
            if (follow) Runtime.getRuntime().addShutdownHook(new Thread(() -> { c.wakeup(); try { main.join(2000); } catch (InterruptedException ignored) { } }));
            try {
                while (follow || !reached(c, end)) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) print(r, serde, ctx);
                    System.out.flush();
                }
            } catch (org.apache.kafka.common.errors.WakeupException stopped) {
                // Ctrl-C while following.
            }
        }
        return 0;
    }

    private List<String> resolve(Context ctx) {
        List<String> known = List.of(ctx.topics().delivered(), ctx.topics().deferred(), ctx.topics().bounced(), ctx.topics().dlq());
        if (topicNames.isEmpty()) return known.subList(0, 3);
        List<String> out = new ArrayList<>();
        for (String n : topicNames) {
            String full = n.startsWith(ctx.topics().prefix()) ? n : ctx.topics().prefix() + n;
            if (!known.contains(full)) throw new Main.UsageException("--topic " + n + ": must be one of delivered, deferred, bounced, dlq");
            out.add(full);
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) if (c.position(e.getKey()) < e.getValue()) return false;
        return true;
    }

    private static void print(ConsumerRecord<byte[], byte[]> r, RecordSerde<DeliveryEvent> serde, Context ctx) {
        if (Warmup.isWarmup(r) || r.value() == null) return;
        if (r.topic().equals(ctx.topics().dlq())) {
            ObjectNode n = JSON.createObjectNode();
            n.put("topic", r.topic());
            n.put("offset", r.offset());
            if (r.key() != null) n.put("key", new String(r.key(), StandardCharsets.UTF_8));
            n.put("error", DlqRecords.reason(r.headers()));
            var src = r.headers().lastHeader(DlqRecords.SOURCE_TOPIC);
            if (src != null) n.put("sourceTopic", new String(src.value(), StandardCharsets.UTF_8));
            n.put("valueBase64", Base64.getEncoder().encodeToString(r.value()));
            System.out.println(n);
            return;
        }
        try {
            System.out.println(EventJson.of(serde.deserialize(r.topic(), r.value())));
        } catch (RuntimeException e) {
            System.err.println("outflow: skipping undecodable record " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
        }
    }
}

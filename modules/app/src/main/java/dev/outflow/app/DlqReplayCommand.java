package dev.outflow.app;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import dev.outflow.webhooks.WebhookReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code outflow dlq replay}: writes the chosen dead letters back to the topic they failed on, so
 * they take the normal path again (router, worker or scheduler) once their cause is fixed. Key,
 * value and headers are copied unchanged, the DLQ headers ({@code outflow.error},
 * {@code outflow.source.*}) included: a replayed record says where it has been. Idempotent
 * producer, acks=all; the command returns after every record is acknowledged. Replaying twice
 * queues twice: narrow with {@code --topic} and {@code --since}.
 *
 * <p>With {@code --webhooks} the events of the webhooks DLQ are POSTed to their endpoint again
 * ({@link WebhookReplay}), not written to a topic: the event topics feed reporting, and a second
 * copy there would count the outcome twice.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Write dead letters back to the topic they failed on (after fixing the cause); DLQ headers are kept. "
                + "With --webhooks: POST the dead-lettered events to their endpoint again.")
final class DlqReplayCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    DlqFilter filter;

    @Override
    public Integer call() throws Exception {
        Instant from = filter.from(Instant.now());
        Context ctx = Context.of(options.load());
        if (filter.webhooks) return replayWebhooks(ctx, from);
        // Only topics a stage consumes: replaying onto an event topic or the DLQ would mean nothing.
        Set<String> inputs = new HashSet<>(ctx.topics().delayTopics());
        inputs.add(ctx.topics().submissions());
        inputs.add(ctx.topics().outbound());
        inputs.add(ctx.topics().deferred());
        String routerRetry = ctx.topics().prefix() + "router.retry.";
        if (filter.topic != null && !inputs.contains(filter.topic) && !filter.topic.startsWith(routerRetry)) {
            throw new Main.UsageException("--topic " + filter.topic + " is not a topic a stage consumes; one of " + new java.util.TreeSet<>(inputs));
        }
        Map<String, Object> p = new HashMap<>(ctx.kafka());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "outflow-dlq-replay");
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        Map<String, Integer> perTopic = new java.util.TreeMap<>();
        int[] skipped = {0};
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            DlqReader.read(ctx, filter.dlqTopic(ctx), d -> {
                if (!filter.matches(d, from)) return;
                String target = d.sourceTopic();
                // A submission that failed on one of the router's retry topics starts over at intake.
                if (target != null && target.startsWith(routerRetry)) target = ctx.topics().submissions();
                if (target == null || !inputs.contains(target)) {
                    skipped[0]++;
                    System.err.printf("outflow: skipped %d/%d: it failed on %s, which no stage consumes%n",
                            d.record().partition(), d.record().offset(), d.sourceTopic() == null ? "an unknown topic" : d.sourceTopic());
                    return;
                }
                sent.add(producer.send(new ProducerRecord<>(target, null, d.record().key(), d.record().value(), d.record().headers())));
                perTopic.merge(target, 1, Integer::sum);
            });
            producer.flush();
            for (Future<RecordMetadata> f : sent) f.get(60, TimeUnit.SECONDS);
        }
        perTopic.forEach((t, n) -> System.out.println("replayed " + n + " to " + t));
        System.out.println(sent.size() + " replayed" + (skipped[0] > 0 ? ", " + skipped[0] + " skipped" : ""));
        return skipped[0] > 0 ? Main.EXIT_RUNTIME : 0;
    }

    private int replayWebhooks(Context ctx, Instant from) throws InterruptedException {
        String topic = filter.dlqTopic(ctx);
        List<WebhookReplay.Report> reports;
        int undecodable;
        try (WebhookReplay replay = WebhookReplay.fromConfig(ctx.config())) {
            boolean[] interrupted = {false};
            DlqReader.read(ctx, topic, d -> {
                if (interrupted[0] || !filter.matches(d, from)) return;
                try {
                    replay.add(d.endpoint(), d.record().value());
                } catch (InterruptedException e) {
                    interrupted[0] = true;
                }
            });
            if (interrupted[0]) throw new InterruptedException("replay interrupted");
            reports = replay.finish();
            undecodable = replay.undecodable();
        }
        int posted = 0;
        boolean complete = undecodable == 0;
        for (WebhookReplay.Report r : reports) {
            posted += r.posted();
            complete &= r.ok();
            (r.ok() ? System.out : System.err).println(r.ok() ? r.toString() : "outflow: " + r);
        }
        if (undecodable > 0) System.err.println("outflow: skipped " + undecodable + " that do not decode as delivery events (no endpoint can read them)");
        int notPosted = reports.stream().mapToInt(WebhookReplay.Report::left).sum() + undecodable;
        System.out.println(posted + " replayed" + (complete ? "" : ", " + notPosted + " not"));
        return complete ? 0 : Main.EXIT_RUNTIME;
    }
}

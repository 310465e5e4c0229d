package dev.outflow.bench.reporting;

import com.sun.net.httpserver.HttpServer;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.reporting.Reporting;
import dev.outflow.reporting.ReportingApi;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Reporting's two targets (issue 15), measured on one in-process KRaft broker and one reporting
 * instance (Kafka Streams, exactly-once v2, RocksDB state) in this JVM:
 *
 * <ol>
 * <li><b>Tracking lookups at scale.</b> {@code MESSAGES} (1,000,000) messages are made known to
 *     tracking (one DELIVERED event each, produced as fast as the broker takes them); the time
 *     reporting needs to take them in gives its catch-up rate. Then {@code LOOKUPS} (10,000)
 *     random ids are asked one after the other over HTTP ({@code GET /api/messages/{id}}, as
 *     {@code outflow track} does): p50/p99/max latency. Target p99 &lt; 50 ms.</li>
 * <li><b>Keeping up.</b> Events (80 % DELIVERED, 15 % DEFERRED, 5 % BOUNCED over 50 domains, new
 *     message ids) are produced at {@code RATE} (10,000/s) for {@code SECONDS} (60), while the
 *     reporting group's lag (end offsets of the event topics minus its committed offsets) is
 *     sampled every second. Kept up = the lag of the last quarter is not above that of the
 *     second quarter plus one second of events, and the rate was reached. Target ≥ 10,000/s.</li>
 * </ol>
 * Prints the figures and {@code RESULT: PASS} or {@code FAIL} (exit 1). Run with
 * {@code modules/bench/reporting-run}; figures go to docs/benchmarks.md.
 */
public final class ReportingBenchmark {
    private static final int MESSAGES = Integer.getInteger("reporting.messages", 1_000_000);
    private static final int RATE = Integer.getInteger("reporting.rate", 10_000);
    private static final int SECONDS = Integer.getInteger("reporting.seconds", 60);
    private static final int LOOKUPS = Integer.getInteger("reporting.lookups", 10_000);
    private static final int DOMAINS = 50;

    public static void main(String[] args) throws Exception {
        KafkaTestCluster kafka = KafkaTestCluster.get();
        Topics topics = kafka.createOutflowTopics(new Topics(kafka.uniqueName("rb") + ".", Topics.DEFAULT_DELAY_BUCKETS), 6, 6);
        Path state = Files.createTempDirectory("reporting-bench-");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        Config config = Config.of(Map.of("topic.prefix", topics.prefix(), "reporting.state_dir", state.toString()));
        Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
        System.out.printf(Locale.ROOT, "reporting benchmark: %,d messages tracked, %,d lookups, %,d events/s for %d s%n",
                MESSAGES, LOOKUPS, RATE, SECONDS);
        boolean pass = true;
        try (Reporting reporting = Reporting.fromConfig(config, props, new HostInfo("127.0.0.1", server.getAddress().getPort())).start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            server.createContext("/api/", new ReportingApi(reporting, null));
            waitFor(() -> reporting.state().equals("RUNNING"), Duration.ofMinutes(3), "reporting RUNNING");
            Lag lag = new Lag(admin, topics.prefix() + "reporting", List.of(topics.delivered(), topics.deferred(), topics.bounced()));

            // 1. MESSAGES messages tracked.
            long t0 = System.nanoTime();
            long at = System.currentTimeMillis();
            for (int i = 0; i < MESSAGES; i++) {
                send(producer, topics.delivered(), event("pre-" + i, Outcome.DELIVERED, "d" + (i % DOMAINS) + ".test", at));
            }
            producer.flush();
            double produced = (System.nanoTime() - t0) / 1e9;
            waitFor(() -> lag.now() == 0, Duration.ofHours(2), "reporting to take in the preload");
            double caughtUp = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "preload: %,d events produced in %.1f s, taken in by reporting after %.1f s: %,.0f events/s%n",
                    MESSAGES, produced, caughtUp, MESSAGES / caughtUp);

            HttpClient http = HttpClient.newHttpClient();
            SplittableRandom random = new SplittableRandom(15);
            long[] nanos = new long[LOOKUPS];
            for (int i = 0; i < LOOKUPS; i++) {
                String id = "pre-" + random.nextInt(MESSAGES);
                long s = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                        + "/api/messages/" + id)).build(), HttpResponse.BodyHandlers.ofString());
                nanos[i] = System.nanoTime() - s;
                if (r.statusCode() != 200 || !r.body().contains(id)) throw new IllegalStateException("lookup of " + id + ": " + r.statusCode());
            }
            Arrays.sort(nanos);
            double p50 = nanos[LOOKUPS / 2] / 1e6;
            double p99 = nanos[(int) (LOOKUPS * 0.99)] / 1e6;
            double max = nanos[LOOKUPS - 1] / 1e6;
            System.out.printf(Locale.ROOT, "lookups with %,d messages tracked: p50 %.2f ms, p99 %.2f ms, max %.1f ms (target p99 < 50 ms)%n",
                    MESSAGES, p50, p99, max);
            pass &= p99 < 50;

            // 2. RATE events/s for SECONDS.
            List<Long> lags = new ArrayList<>();
            long start = System.nanoTime();
            long sent = 0;
            SplittableRandom mix = new SplittableRandom(16);
            long nextSample = start + 1_000_000_000L;
            while (System.nanoTime() - start < SECONDS * 1_000_000_000L) {
                long due = (System.nanoTime() - start) * RATE / 1_000_000_000L;
                for (; sent < due; sent++) {
                    int p = mix.nextInt(100);
                    Outcome o = p < 80 ? Outcome.DELIVERED : p < 95 ? Outcome.DEFERRED : Outcome.BOUNCED;
                    String topic = o == Outcome.DELIVERED ? topics.delivered() : o == Outcome.DEFERRED ? topics.deferred() : topics.bounced();
                    send(producer, topic, event("live-" + sent, o, "d" + mix.nextInt(DOMAINS) + ".test", System.currentTimeMillis()));
                }
                if (System.nanoTime() >= nextSample) {
                    lags.add(lag.now());
                    nextSample += 1_000_000_000L;
                }
                Thread.sleep(1);
            }
            producer.flush();
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = sent / seconds;
            int q = Math.max(1, lags.size() / 4);
            long secondQuarter = lags.subList(q, Math.min(lags.size(), 2 * q)).stream().mapToLong(Long::longValue).max().orElse(0);
            long lastQuarter = lags.subList(Math.max(0, lags.size() - q), lags.size()).stream().mapToLong(Long::longValue).max().orElse(0);
            long drainStart = System.nanoTime();
            waitFor(() -> lag.now() == 0, Duration.ofMinutes(30), "reporting to drain");
            boolean keptUp = lastQuarter <= secondQuarter + RATE && rate >= RATE * 0.95;
            System.out.printf(Locale.ROOT, "live: %,d events in %.1f s (%,.0f/s); lag per second %s; max lag 2nd quarter %,d, last quarter %,d; "
                    + "drained %.1f s after the last event: %s (target >= 10,000/s without growing lag)%n",
                    sent, seconds, rate, lags, secondQuarter, lastQuarter, (System.nanoTime() - drainStart) / 1e9,
                    keptUp ? "kept up" : "fell behind");
            pass &= keptUp && RATE >= 10_000;
            if (RATE < 10_000 || MESSAGES < 1_000_000) {
                System.out.println("(reduced scale: the targets need MESSAGES=1000000 RATE=10000)");
                pass = false;
            }
        } finally {
            server.stop(0);
        }
        System.out.println("RESULT: " + (pass ? "PASS" : "FAIL"));
        System.exit(pass ? 0 : 1);
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaTestCluster kafka) {
        Map<String, Object> p = new HashMap<>(kafka.producerProps());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, DeliveryEvent e) {
        p.send(new ProducerRecord<>(topic, e.getMessageId().getBytes(StandardCharsets.UTF_8), Serdes.deliveryEvent().serialize(topic, e)));
    }

    private static DeliveryEvent event(String id, Outcome o, String domain, long at) {
        RecipientStatus r = switch (o) {
            case DELIVERED -> new RecipientStatus("user@" + domain, 250, "2.0.0", "250 2.0.0 Ok: queued as " + id);
            case DEFERRED -> new RecipientStatus("user@" + domain, 451, "4.7.1", "451 4.7.1 greylisted, try again later");
            default -> new RecipientStatus("user@" + domain, 550, "5.1.1", "550 5.1.1 <user@" + domain + ">: user unknown");
        };
        DeliveryEvent e = new DeliveryEvent();
        e.setMessageId(id);
        e.setOutcome(o);
        e.setRecipients(List.of(r));
        e.setDomain(domain);
        e.setMailFrom("shop@bench.test");
        e.setHost("mx." + domain);
        e.setIp("192.0.2.1");
        e.setTls(true);
        e.setAt(at);
        e.setDelayMs(800);
        if (o == Outcome.DEFERRED) e.setNextAttemptAt(at + 600_000);
        return e;
    }

    private static void waitFor(java.util.function.BooleanSupplier done, Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("gave up waiting for " + what + " after " + max);
            Thread.sleep(200);
        }
    }

    /** The group's lag: end offsets (read_committed) minus committed offsets, over the event topics. */
    private record Lag(Admin admin, String group, List<String> topics) {
        long now() {
            try {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                for (var d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                    d.partitions().forEach(p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
                }
                long sum = 0;
                var ends = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
                for (var e : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    // Never-consumed partitions start after the deleted warm-up record (offset 1).
                    long from = c == null ? 1 : c.offset();
                    sum += Math.max(0, e.getValue().offset() - from);
                }
                return sum;
            } catch (Exception e) {
                throw new IllegalStateException("lag of " + group + ": " + e.getMessage(), e);
            }
        }
    }
}

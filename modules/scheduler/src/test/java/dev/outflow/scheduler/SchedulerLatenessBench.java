package dev.outflow.scheduler;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.codec.topics.Warmup;
import dev.outflow.core.config.Config;
import dev.outflow.testkit.kafka.KafkaTestCluster;

/**
 * Lateness benchmark of the retry scheduler (a main class, not a test): writes N DEFERRED events
 * whose messages are due 2–5 s after they are sent, lets one scheduler move them through the
 * delay buckets, and reads outbound until every message is back. Prints the count, the release
 * lateness (outbound record timestamp − notBefore) and the arrival lateness (when a
 * {@code read_committed} consumer saw it − notBefore) as p50/p90/p99/max, and the rates. Runs
 * several rounds in one JVM (the first is cold).
 *
 * <p>Runs against {@link KafkaTestCluster} (embedded broker, fsync off, unless
 * {@code KAFKA_BOOTSTRAP_SERVERS} is set). Arguments, all optional:
 * {@code count=100000 minDelayMs=2000 maxDelayMs=5000 buckets=10s,1m,5m,15m,1h,4h partitions=6
 * bytes=2048 rounds=2 rate=0} ({@code rate}: deferred events sent per second, 0 = as fast as
 * possible, a burst; {@code client.<key>=<value>}: a Kafka client setting for the scheduler). Message contents are mail-like text (compressible, as real mail is).
 */
public final class SchedulerLatenessBench {
    /** Kafka client settings for the scheduler from {@code client.<key>=<value>} arguments. */
    private static final Map<String, Object> clientOverrides = new HashMap<>();

    private SchedulerLatenessBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int count = Integer.parseInt(a.getOrDefault("count", "100000"));
        long minDelay = Long.parseLong(a.getOrDefault("minDelayMs", "2000"));
        long maxDelay = Long.parseLong(a.getOrDefault("maxDelayMs", "5000"));
        List<String> buckets = List.of(a.getOrDefault("buckets", "10s,1m,5m,15m,1h,4h").split(","));
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "6"));
        int bytes = Integer.parseInt(a.getOrDefault("bytes", "2048"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "0"));
        a.forEach((k, v) -> {
            if (k.startsWith("client.")) {
                clientOverrides.put(k.substring("client.".length()), v);
            }
        });

        KafkaTestCluster kafka = KafkaTestCluster.get();
        System.out.printf(Locale.ROOT, "scheduler lateness bench: %d records, delay %d-%d ms, buckets %s, %d partitions, %d-byte messages, %s, kafka %s, %d cpus, load average %s%n",
                count, minDelay, maxDelay, buckets, partitions, bytes, rate == 0 ? "burst" : rate + " rec/s",
                kafka.kind(), Runtime.getRuntime().availableProcessors(), loadAverage());
        for (int round = 1; round <= rounds; round++) {
            runRound(kafka, round == 1 ? "cold" : "warm", count, minDelay, maxDelay, buckets, partitions, bytes, rate);
        }
        System.exit(0);
    }

    private static void runRound(KafkaTestCluster kafka, String label, int count, long minDelay, long maxDelay,
                                 List<String> buckets, int partitions, int bytes, int rate) throws Exception {
        Topics topics = new Topics(kafka.uniqueName("bench") + ".", buckets);
        TopicBootstrap.ensure(kafka.adminClient(), kafka.producerProps(), topics.specs(2 * partitions, partitions, -1, 1 << 20));
        Map<String, Object> client = new HashMap<>();
        client.put("bootstrap.servers", kafka.bootstrapServers());
        client.putAll(clientOverrides);

        long[] notBefore = new long[count];
        long[] releaseLate = new long[count];
        long[] arrivalLate = new long[count];
        int[] seen = new int[1];
        int[] hits = new int[count];
        long[] firstLastArrival = {Long.MAX_VALUE, 0};
        AtomicBoolean done = new AtomicBoolean();

        try (RetryScheduler scheduler = RetryScheduler.builder(client, Config.defaults())
                .topics(topics).codecs(Serdes.singleObject()).build().start();
             KafkaConsumer<byte[], byte[]> reader = outboundReader(kafka, topics)) {
            awaitReady(scheduler, topics, partitions);

            Thread readerThread = Thread.ofPlatform().name("bench-reader").start(() -> {
                while (seen[0] < count && !done.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(50))) {
                        if (Warmup.isWarmup(r)) {
                            continue;
                        }
                        long now = System.currentTimeMillis();
                        OutboundMessage m = Serdes.outboundMessage().deserialize(r.topic(), r.value());
                        int i = Integer.parseInt(m.getId());
                        releaseLate[seen[0]] = r.timestamp() - m.getNotBefore();
                        arrivalLate[seen[0]] = now - m.getNotBefore();
                        hits[i]++;
                        seen[0]++;
                        firstLastArrival[0] = Math.min(firstLastArrival[0], now);
                        firstLastArrival[1] = now;
                    }
                }
            });

            Map<String, Long> cpuBefore = cpuByRole();
            long sendStart = System.currentTimeMillis();
            long lastDue = produce(kafka, topics, count, minDelay, maxDelay, bytes, rate, notBefore);
            long sendEnd = System.currentTimeMillis();
            long routedAt = 0;
            long deadline = lastDue + 300_000;
            while (readerThread.isAlive() && System.currentTimeMillis() < deadline) {
                if (routedAt == 0 && scheduler.stats().routed() + scheduler.stats().released() >= count) {
                    routedAt = System.currentTimeMillis();
                }
                readerThread.join(20);
            }
            done.set(true);
            readerThread.join();
            SchedulerStats stats = scheduler.stats();
            Map<String, Long> cpuAfter = cpuByRole();

            int n = seen[0];
            System.out.printf(Locale.ROOT, "%n[%s] republished %d of %d (%s)%n", label, n, count,
                    n == count ? "all" : "MISSING " + (count - n));
            System.out.printf(Locale.ROOT, "  produce: %d deferred events in %d ms = %.0f rec/s%n",
                    count, sendEnd - sendStart, count * 1000.0 / Math.max(1, sendEnd - sendStart));
            if (routedAt > 0) {
                System.out.printf(Locale.ROOT, "  routing: all %d events out of outflow.deferred %d ms after the first send = %.0f rec/s%n",
                        count, routedAt - sendStart, count * 1000.0 / Math.max(1, routedAt - sendStart));
            }
            System.out.printf(Locale.ROOT, "  release: last record back on outbound %d ms after the first send; %.0f rec/s over the %d ms from first to last arrival%n",
                    firstLastArrival[1] - sendStart, n * 1000.0 / Math.max(1, firstLastArrival[1] - firstLastArrival[0]),
                    firstLastArrival[1] - firstLastArrival[0]);
            System.out.println("  release lateness (outbound timestamp - notBefore): " + distribution(releaseLate, n));
            System.out.println("  arrival lateness (seen by a read_committed consumer - notBefore): " + distribution(arrivalLate, n));
            System.out.printf(Locale.ROOT, "  scheduler stats: released %d, flushed %d, routed %d, dlq %d, early %d, internal lateness p50 %d p90 %d p99 %d max %d ms%n",
                    stats.released(), stats.flushed(), stats.routed(), stats.deadLettered(), stats.lateness().early(),
                    stats.lateness().p50Ms(), stats.lateness().p90Ms(), stats.lateness().p99Ms(), stats.lateness().maxMs());
            StringBuilder cpu = new StringBuilder();
            cpuAfter.forEach((role, ns) -> cpu.append(String.format(Locale.ROOT, " %s %.1f s (%.0f µs/record);", role,
                    (ns - cpuBefore.getOrDefault(role, 0L)) / 1e9, (ns - cpuBefore.getOrDefault(role, 0L)) / 1e3 / count)));
            System.out.println("  cpu:" + cpu);
            long early = Arrays.stream(releaseLate, 0, n).filter(l -> l < 0).count();
            long unseen = Arrays.stream(hits).filter(h -> h == 0).count();
            long duplicates = Arrays.stream(hits).filter(h -> h > 1).mapToLong(h -> h - 1).sum();
            System.out.printf(Locale.ROOT, "  early releases: %d, never seen: %d, duplicates: %d%n", early, unseen, duplicates);
        }
    }

    private static long produce(KafkaTestCluster kafka, Topics topics, int count, long minDelay, long maxDelay, int bytes,
                                int rate, long[] notBefore) throws InterruptedException {
        Map<String, Object> p = kafka.producerProps();
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        byte[] contents = mailLikeText(bytes);
        long lastDue = 0;
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                if (rate > 0 && i % 100 == 0) {
                    long ahead = start + i * 1_000_000_000L / rate - System.nanoTime();
                    if (ahead > 0) {
                        Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
                    }
                }
                long due = System.currentTimeMillis() + ThreadLocalRandom.current().nextLong(minDelay, maxDelay + 1);
                notBefore[i] = due;
                lastDue = Math.max(lastDue, due);
                OutboundMessage m = SchedulerTestBed.message(Integer.toString(i), "d" + (i % 500) + ".example", due);
                m.setContents(ByteBuffer.wrap(contents));
                byte[] value = Serdes.deliveryEvent().serialize(topics.deferred(), SchedulerTestBed.deferred(m));
                producer.send(new ProducerRecord<>(topics.deferred(), m.getId().getBytes(), value));
            }
            producer.flush();
        }
        return lastDue;
    }

    private static byte[] mailLikeText(int size) {
        String[] words = {"delivery", "status", "the", "message", "queue", "retry", "mail", "server", "Received:", "from",
                "by", "with", "ESMTPS", "id", "for", "<user@example.com>", "Subject:", "invoice", "order", "2026"};
        StringBuilder sb = new StringBuilder(size + 16);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (sb.length() < size) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(8) == 0 ? "\r\n" : " ");
        }
        return sb.substring(0, size).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** CPU time of this JVM's threads so far, by role: the scheduler's own threads, the broker, the bench. */
    private static Map<String, Long> cpuByRole() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long ns = mx.getThreadCpuTime(t.getThreadId());
            String name = t.getThreadName();
            String role = name.equals("outflow-scheduler") ? "scheduler-loop"
                    : name.contains("outflow-scheduler") || name.contains("heartbeat") ? "scheduler-io"
                    : name.equals("main") || name.startsWith("bench") || name.contains("producer-") || name.contains("outflow-test") ? "bench"
                    : "broker+other";
            out.merge(role, Math.max(0, ns), Long::sum);
        }
        return out;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static KafkaConsumer<byte[], byte[]> outboundReader(KafkaTestCluster kafka, Topics topics) {
        Map<String, Object> p = kafka.consumerProps(null);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = c.partitionsFor(topics.outbound(), Duration.ofSeconds(30)).stream()
                .map(pi -> new TopicPartition(topics.outbound(), pi.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    private static void awaitReady(RetryScheduler scheduler, Topics topics, int partitions) throws InterruptedException {
        int all = (topics.delayTopics().size() + 1) * partitions;
        long deadline = System.currentTimeMillis() + 60_000;
        while (scheduler.assignedPartitions() < all && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        // Let the first transaction (the warm-up records' offsets) complete before timing anything.
        Thread.sleep(2_000);
    }

    private static String distribution(long[] values, int n) {
        if (n == 0) {
            return "no data";
        }
        long[] v = Arrays.copyOf(values, n);
        Arrays.sort(v);
        return String.format(Locale.ROOT, "p50 %d ms, p90 %d ms, p99 %d ms, max %d ms, min %d ms",
                v[(int) (n * 0.50)], v[(int) Math.min(n - 1, n * 0.90)], v[(int) Math.min(n - 1, n * 0.99)], v[n - 1], v[0]);
    }
}

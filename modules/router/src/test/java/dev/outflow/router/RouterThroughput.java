package dev.outflow.router;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.outflow.avro.Submission;
import dev.outflow.broker.EmbeddedBroker;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.hooks.PluginChain;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Benchmark (not a test): router throughput in submissions/s for 2 KB messages on an embedded
 * broker in this JVM. The submissions topic is filled first, then a router drains it; the time
 * runs from the first committed record to the last. A cold round (fresh JIT) is followed by warm
 * rounds with a new router in the same JVM.
 *
 * <pre>
 * java -cp ... dev.outflow.router.RouterThroughput [count=200000] [domains=1] [fsync=false] [ids=true] [rounds=3]
 *      [commit=100ms] [kafka.linger.ms=20 ...]
 * </pre>
 * {@code domains} recipients per submission, each in another domain (one outbound record each);
 * {@code ids} gives every submission an idempotency key (dedupe window store and changelog in the
 * path). The router's state folder is kept across rounds, as it would be across restarts.
 */
public final class RouterThroughput {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int count = Integer.parseInt(a.getOrDefault("count", "200000"));
        int domains = Integer.parseInt(a.getOrDefault("domains", "1"));
        boolean fsync = Boolean.parseBoolean(a.getOrDefault("fsync", "false"));
        boolean ids = Boolean.parseBoolean(a.getOrDefault("ids", "true"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));

        Path dir = Files.createTempDirectory("outflow-router-bench");
        try (EmbeddedBroker broker = EmbeddedBroker.builder(dir).fsync(fsync).build().start()) {
            Map<String, Object> kafka = new HashMap<>();
            kafka.put("bootstrap.servers", broker.bootstrapServers());
            // kafka.<setting>=<value> arguments are passed through to the router's clients.
            a.forEach((k, v) -> {
                if (k.startsWith("kafka.")) kafka.put(k.substring("kafka.".length()), v);
            });
            Config config = Config.of(Map.of("me", "bench.test", "topic.prefix", "bench.",
                    "router.commit_interval", a.getOrDefault("commit", "100ms"),
                    "router.state_dir", dir.resolve("router-state").toString()));
            Topics topics = new Topics("bench.", List.of("10s"));
            Admin admin = Admin.create(kafka);
            TopicBootstrap.ensure(admin, kafka, topics.specs(config.get(OutflowKeys.TOPIC_OUTBOUND_PARTITIONS),
                    config.get(OutflowKeys.TOPIC_PARTITIONS), -1, config.get(OutflowKeys.MAX_MESSAGE_BYTES)));
            System.out.printf("router throughput: %d submissions of 2 KB per round, %d domain(s) each, ids %s, broker fsync %s%n",
                    count, domains, ids, fsync);
            String engine = "streams";
            for (int round = 0; round < rounds; round++) {
                fill(kafka, topics.submissions(), round, count, domains, ids);
                Engine router = router(kafka, config, topics);
                long startNanos = 0;
                long startCpu = 0;
                while (router.submissions() < count) {
                    if (startNanos == 0 && router.submissions() > 0) {
                        startNanos = System.nanoTime();
                        startCpu = cpuNanos();
                    }
                    TimeUnit.MILLISECONDS.sleep(5);
                }
                long ns = System.nanoTime() - startNanos;
                long cpu = cpuNanos() - startCpu;
                long done = router.submissions();
                System.out.printf("round %d (%s, %s): %,d submissions committed in %.2f s = %,.0f submissions/s;"
                                + " process CPU %.1f µs per submission (router + broker), %.2f cores busy%n",
                        round + 1, round == 0 ? "cold" : "warm", engine, done, ns / 1e9,
                        done * 1e9 / ns, cpu / 1e3 / done, (double) cpu / ns);
                router.close();
            }
            admin.close();
        }
    }

    /** A router under measurement: committed submissions of this round, and a way to stop it. */
    private interface Engine extends AutoCloseable {
        long submissions() throws Exception;

        @Override
        void close();
    }

    private static Engine router(Map<String, Object> kafka, Config config, Topics topics) {
        SubmissionRouter router = SubmissionRouter.builder().kafka(kafka).config(config).topics(topics)
                .codecs(Serdes.singleObject()).plugins(PluginChain.empty()).clock(Clock.systemUTC())
                .routerId("bench").build().start();
        return new Engine() {
            @Override
            public long submissions() {
                return router.submissions();
            }

            @Override
            public void close() {
                router.close();
            }
        };
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Writes {@code count} Avro submissions with a 2 KB message each and waits for the acks. */
    private static void fill(Map<String, Object> kafka, String topic, int round, int count, int domains, boolean ids) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.get("bootstrap.servers"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        byte[] body = message();
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                String[] rcpts = new String[domains];
                for (int d = 0; d < domains; d++) rcpts[d] = "user" + i + "@d" + ((i + d) % 50) + ".example";
                String id = ids ? "r" + round + "-" + i : null;
                byte[] value = Serdes.submission().serialize(topic,
                        new Submission(id, "sender@bench.test", List.of(rcpts), ByteBuffer.wrap(body), Map.of()));
                producer.send(new ProducerRecord<>(topic, id == null ? null : id.getBytes(UTF_8), value));
            }
            producer.flush();
        }
        System.out.printf("  filled %,d submissions in %.2f s%n", count, (System.nanoTime() - t0) / 1e9);
    }

    /** A 2 KB message without Message-ID and Date, so the router adds both (one copy, as for most real submissions). */
    private static byte[] message() {
        StringBuilder b = new StringBuilder(2048);
        b.append("From: sender@bench.test\r\nTo: someone@example.test\r\nSubject: benchmark\r\n\r\n");
        while (b.length() < 2040) b.append("The quick brown fox jumps over the lazy dog 0123456789.\r\n");
        b.setLength(2046);
        b.append("\r\n");
        return b.toString().getBytes(UTF_8);
    }
}

package dev.outflow.worker;

import com.sun.management.OperatingSystemMXBean;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Source;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.LiveConfig;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import dev.outflow.testkit.smtp.FakeMx;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end micro benchmark of the worker (not a test; run its {@code main} by hand): N messages of
 * 2 KB are queued on {@code outbound} (12 partitions, 50 domains) while delivery is disabled, then
 * delivery is enabled and the time until the worker has committed N DELIVERED events is measured,
 * with the process CPU time (this JVM holds the broker, the worker and the sink). The first round
 * is cold (fresh JIT), the later ones warm.
 *
 * <pre>
 * java -Xmx1g -XX:+UseParallelGC -cp ... dev.outflow.worker.WorkerThroughput [messages=20000] [rounds=3]
 *      -Dcompression=zstd|lz4 -Dlinger=10 -Dconcurrency=100
 * </pre>
 */
public final class WorkerThroughput {
    private static final int DOMAINS = 50;
    private static final int SIZE = 2048;

    private WorkerThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String compression = System.getProperty("compression", "zstd");
        String linger = System.getProperty("linger", "10");
        String concurrency = System.getProperty("concurrency", "100");
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        KafkaTestCluster kafka = KafkaTestCluster.get();
        String prefix = kafka.uniqueName("bench") + ".";
        Topics topics = new Topics(prefix, List.of("10s", "1m"));
        TopicBootstrap.ensure(kafka.adminClient(), kafka.producerProps(), topics.specs(12, 6, -1, 10 << 20));

        Map<String, String> settings = new HashMap<>();
        settings.put("me", "outflow.bench");
        settings.put("topic.prefix", prefix);
        settings.put("scheduler.buckets", "10s,1m");
        settings.put("outbound.disabled", "true");
        settings.put("outbound.concurrency_max", concurrency);
        settings.put("outbound.enable_tls", "false");
        settings.put("outbound.allow_private", "true"); // the sink listens on 127.0.0.2
        LiveConfig config = LiveConfig.fixed(Config.of(settings));

        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").record(false).start()) {
            StaticMx dns = new StaticMx();
            for (int d = 0; d < DOMAINS; d++) dns.route("d" + d + ".bench", mx);
            Map<String, Object> props = new HashMap<>();
            props.put("bootstrap.servers", kafka.bootstrapServers());
            props.put("compression.type", compression);
            props.put("linger.ms", linger);
            DeliveryWorker worker = DeliveryWorker.configure(config, props, dns).workerId("bench").followControlTopic(false).build().start();
            System.out.printf("worker up; %d messages x %d B, 12 partitions, %d domains, concurrency %s, producer %s linger %s ms%n",
                    messages, SIZE, DOMAINS, concurrency, compression, linger);
            try (KafkaProducer<byte[], byte[]> producer = loader(kafka)) {
                for (int round = 1; round <= rounds; round++) {
                    fill(producer, topics, messages);
                    long base = worker.delivered() + worker.parked();
                    long parked0 = worker.parked();
                    long cpu0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    config.set(Map.of("outbound.disabled", "false"));
                    // Parked (throttled) records would come back through the scheduler, which does not run here.
                    while (worker.delivered() + worker.parked() < base + messages) Thread.sleep(5);
                    long nanos = System.nanoTime() - t0;
                    long cpu = os.getProcessCpuTime() - cpu0;
                    config.set(Map.of("outbound.disabled", "true"));
                    System.out.printf("round %d (%s): %,d msg in %.2f s = %,.0f msg/s, CPU %.3f ms/msg (%.0f%% of 2 cores), "
                                    + "%d transactions so far, %d parked%n",
                            round, round == 1 ? "cold" : "warm", messages, nanos / 1e9, messages / (nanos / 1e9),
                            cpu / 1e6 / messages, 100.0 * cpu / nanos / 2, worker.counters().transactions(),
                            worker.parked() - parked0);
                }
            }
            worker.close();
            System.out.printf("sink received %,d messages on %,d connections%n", mx.messages(), mx.connections());
        }
        System.exit(0);
    }

    private static KafkaProducer<byte[], byte[]> loader(KafkaTestCluster kafka) {
        Map<String, Object> p = kafka.producerProps();
        p.put("linger.ms", 20);
        p.put("batch.size", 256 * 1024);
        p.put("compression.type", "zstd");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void fill(KafkaProducer<byte[], byte[]> producer, Topics topics, int messages) {
        byte[] filler = new byte[SIZE - 200];
        Arrays.fill(filler, (byte) 'x');
        for (int i = 0; i < filler.length; i += 78) {
            filler[i] = '\r';
            if (i + 1 < filler.length) filler[i + 1] = '\n';
        }
        for (int i = 0; i < messages; i++) {
            String domain = "d" + (i % DOMAINS) + ".bench";
            String id = UUID.randomUUID().toString();
            byte[] head = ("From: bench@sender.bench\r\nTo: r" + i + "@" + domain + "\r\nSubject: " + id + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] body = new byte[head.length + filler.length + 2];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(filler, 0, body, head.length, filler.length);
            body[body.length - 2] = '\r';
            body[body.length - 1] = '\n';
            OutboundMessage m = OutboundMessage.newBuilder().setId(id).setMailFrom("bench@sender.bench")
                    .setRecipients(List.of("r" + i + "@" + domain)).setDomain(domain).setContents(ByteBuffer.wrap(body))
                    .setQueuedAt(System.currentTimeMillis()).setSource(new Source("api", null)).build();
            producer.send(new ProducerRecord<>(topics.outbound(), domain.getBytes(StandardCharsets.US_ASCII),
                    Serdes.outboundMessage().serialize(topics.outbound(), m)));
        }
        producer.flush();
    }
}

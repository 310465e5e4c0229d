package dev.outflow.bench.scale;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Source;
import dev.outflow.codec.Serdes;
import dev.outflow.testkit.dns.KnotDns;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Horizontal scaling of delivery workers, measured: 1, 2 and 3 separate {@code outflow worker}
 * processes drain the same queue into a receiving MX that takes {@code LATENCY_MS} (200) to answer
 * each message's final dot, over {@code DOMAINS} (48) recipient domains. Each worker may hold
 * {@code CONCURRENCY} (20) deliveries at once, so one worker's rate is bound by latency ×
 * connections, as against real remote MXs, and the machine's CPU is not the limit.
 *
 * <p>Per worker count: topics under a fresh prefix, delivery paused, {@code N} messages queued
 * straight onto the outbound topic (12 partitions), the workers started and waited for
 * ({@code /ready}), delivery resumed; the rate is taken between 10 % and 90 % of the messages
 * received. Then a join/leave run: 2 workers, a third joins at 30 %, the first leaves (SIGTERM)
 * at 65 %; reported are the longest stretch in which no message arrived and the messages lost
 * (queued but never received) or received twice.
 *
 * <p>Targets (issue 17): 2 workers ≥ 1.8× one, 3 ≥ 2.5×, join/leave pause ≤ 10 s, nothing lost.
 * Prints {@code RESULT: PASS} or {@code FAIL} (exit 1). Run with {@code modules/bench/scale-run}.
 */
public final class ScalingBenchmark {
    private static final int N = Integer.getInteger("scale.messages", 3000);
    private static final int DOMAINS = Integer.getInteger("scale.domains", 48);
    private static final int CONCURRENCY = Integer.getInteger("scale.concurrency", 20);
    private static final int LATENCY_MS = Integer.getInteger("scale.latency_ms", 200);
    private static final int PARTITIONS = 12;
    private static final String MX_ADDRESS = "127.0.0.30";
    private static final Duration START = Duration.ofMinutes(3);

    private final Path home;
    private final Path dir;
    private final Path config;
    private final SlowMx mx;
    private final String bootstrap;

    private ScalingBenchmark(Path home, Path dir, Path config, SlowMx mx, String bootstrap) {
        this.home = home;
        this.dir = dir;
        this.config = config;
        this.mx = mx;
        this.bootstrap = bootstrap;
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("outflow.home", ".")).toAbsolutePath().normalize();
        Path dir = home.resolve("bench-results").resolve("scale-" + Instant.now().toString().replace(':', '-'));
        Files.createDirectories(dir);
        int mxPort = freePort(MX_ADDRESS);
        int brokerPort = freePort("127.0.0.1");
        StringBuilder zone = new StringBuilder("mxscale A " + MX_ADDRESS + "\n");
        for (int d = 1; d <= DOMAINS; d++) zone.append("sc").append(d).append(" MX 10 mxscale.test.\n");
        try (KnotDns dns = KnotDns.builder().freePort().records(zone.toString()).start();
             SlowMx mx = new SlowMx(MX_ADDRESS, mxPort, Duration.ofMillis(LATENCY_MS))) {
            Path config = dir.resolve("outflow.properties");
            Files.writeString(config, String.join("\n",
                    "me=bench.test",
                    "data.dir=" + dir.resolve("data"),
                    "broker.listen=127.0.0.1:" + brokerPort,
                    "broker.fsync=false",
                    "dns.servers=" + dns.server(),
                    "outbound.smtp_port=" + mxPort,
                    "outbound.enable_tls=false",
                    "outbound.allow_private=true", // the receiving MX listens on loopback
                    "outbound.concurrency_max=" + CONCURRENCY,
                    "outbound.domain_concurrency=10",
                    "topic.outbound_partitions=" + PARTITIONS,
                    "topic.partitions=2",
                    "worker.shutdown_timeout=10s",
                    "log.deliveries=false",
                    ""), StandardCharsets.UTF_8);
            System.out.printf("scaling benchmark: %d messages per run, %d domains, %d ms per SMTP transaction, concurrency %d per worker, %d partitions%n",
                    N, DOMAINS, LATENCY_MS, CONCURRENCY, PARTITIONS);
            System.out.println("logs: " + dir);
            try (Node broker = Node.start(home, dir, "broker", 0, config, "broker")) {
                broker.awaitOutput("broker listening on", START);
                new ScalingBenchmark(home, dir, config, mx, "127.0.0.1:" + brokerPort).runAll();
            }
        }
    }

    private void runAll() throws Exception {
        double[] rate = new double[4];
        for (int k = 1; k <= 3; k++) {
            rate[k] = throughput(k);
            System.out.printf("%d worker%s: %,.1f msg/s%n", k, k == 1 ? " " : "s", rate[k]);
        }
        JoinLeave jl = joinAndLeave();
        boolean pass = rate[2] >= 1.8 * rate[1] && rate[3] >= 2.5 * rate[1] && jl.longestStall().toMillis() <= 10_000
                && jl.lost() == 0;
        StringBuilder report = new StringBuilder();
        report.append(String.format("%n| workers | msg/s | vs 1 worker | target |%n|---:|---:|---:|---:|%n"));
        report.append(String.format("| 1 | %,.1f | 1.00× | |%n", rate[1]));
        report.append(String.format("| 2 | %,.1f | %.2f× | ≥ 1.8× |%n", rate[2], rate[2] / rate[1]));
        report.append(String.format("| 3 | %,.1f | %.2f× | ≥ 2.5× |%n", rate[3], rate[3] / rate[1]));
        report.append(String.format("%njoin/leave (2 workers, +1 at 30 %%, -1 at 65 %%, %d messages): longest stall %.1f s (target ≤ 10 s), "
                + "lost %d, received twice %d%n", jl.messages(), jl.longestStall().toMillis() / 1000.0, jl.lost(), jl.duplicates()));
        report.append("RESULT: ").append(pass ? "PASS" : "FAIL").append('\n');
        System.out.print(report);
        Files.writeString(dir.resolve("report.txt"), report.toString(), StandardCharsets.UTF_8);
        if (!pass) System.exit(1);
    }

    /** Messages per second of {@code k} workers between 10 % and 90 % of the run. */
    private double throughput(int k) throws Exception {
        String prefix = "scale" + k + ".";
        long base = prepare(prefix, "run" + k, N);
        List<Node> workers = new ArrayList<>();
        try {
            for (int i = 1; i <= k; i++) workers.add(worker(prefix, "run" + k + "-worker-" + i));
            for (Node w : workers) w.awaitReady(START);
            control(prefix, "resume");
            awaitReceived(base + N, Duration.ofMinutes(10));
            long t10 = mx.timeOf(base + N / 10);
            long t90 = mx.timeOf(base + N * 9 / 10);
            return (N * 0.8) / ((t90 - t10) / 1e9);
        } finally {
            for (Node w : workers) w.stop();
        }
    }

    record JoinLeave(int messages, Duration longestStall, int lost, int duplicates) {}

    private JoinLeave joinAndLeave() throws Exception {
        String prefix = "scalejl.";
        int n = N * 4 / 3;
        long base = prepare(prefix, "jl", n);
        List<Node> workers = new ArrayList<>();
        try {
            workers.add(worker(prefix, "jl-worker-1"));
            workers.add(worker(prefix, "jl-worker-2"));
            for (Node w : workers) w.awaitReady(START);
            control(prefix, "resume");
            awaitReceived(base + n * 3L / 10, Duration.ofMinutes(10));
            workers.add(worker(prefix, "jl-worker-3"));
            awaitReceived(base + n * 65L / 100, Duration.ofMinutes(10));
            workers.getFirst().stop();
            awaitReceived(base + n, Duration.ofMinutes(10));
            Duration stall = mx.longestStall(base, base + n);
            Map<String, Integer> arrivals = mx.arrivals("jl");
            int lost = 0;
            for (int i = 1; i <= n; i++) if (!arrivals.containsKey("jl-" + i)) lost++;
            int dups = arrivals.values().stream().mapToInt(c -> c - 1).sum();
            return new JoinLeave(n, stall, lost, dups);
        } finally {
            for (Node w : workers) w.close();
        }
    }

    /** Topics under {@code prefix}, delivery paused, {@code n} messages queued; returns the MX count before. */
    private long prepare(String prefix, String run, int n) throws Exception {
        Node.run(home, dir, prefix + "topics", config, "topics", "create", "--set", "topic.prefix=" + prefix);
        control(prefix, "pause");
        long base = mx.messages();
        var serde = Serdes.outboundMessage();
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "acks", "all", "enable.idempotence", true, "linger.ms", 5);
        try (KafkaProducer<String, OutboundMessage> producer = new KafkaProducer<>(props, new StringSerializer(), serde.serializer())) {
            List<Future<?>> sent = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 1; i <= n; i++) {
                String domain = "sc" + (1 + i % DOMAINS) + ".test";
                String rcpt = "r" + i + "@" + domain;
                String id = UUID.randomUUID().toString();
                byte[] contents = ("From: bench@bench.test\r\nTo: " + rcpt + "\r\nSubject: scale " + i + "\r\nMessage-ID: <" + id
                        + "@bench.test>\r\nX-Scale-Seq: " + run + "-" + i + "\r\n\r\n" + "x".repeat(1500) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                OutboundMessage m = OutboundMessage.newBuilder().setId(id).setMailFrom("bench@bench.test").setRecipients(List.of(rcpt))
                        .setDomain(domain).setContents(ByteBuffer.wrap(contents)).setQueuedAt(now).setAttempt(0).setNotBefore(0)
                        .setNotes(Map.of()).setBounceOf(null).setSource(Source.newBuilder().setChannel("api").setUser(null).build())
                        .setLastError(null).setThrottled(false).build();
                sent.add(producer.send(new ProducerRecord<>(prefix + "outbound", domain, m)));
            }
            for (Future<?> f : sent) f.get(60, TimeUnit.SECONDS);
        }
        return base;
    }

    private Node worker(String prefix, String id) throws Exception {
        Node w = Node.start(home, dir, id, freePort("127.0.0.1"), config, "worker", "--set", "topic.prefix=" + prefix, "--set", "worker.id=" + id);
        w.awaitOutput("worker     consuming", START);
        return w;
    }

    private void control(String prefix, String command) throws Exception {
        Node.run(home, dir, prefix + command, config, command, "--set", "topic.prefix=" + prefix);
    }

    private void awaitReceived(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (mx.messages() < count) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the MX received " + mx.messages() + " of " + count + " in " + timeout);
            Thread.sleep(100);
        }
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }
}

package dev.outflow.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Outflow as the relay: {@code bin/outflow up} of this checkout (embedded broker, scheduler, worker,
 * router, SMTP submission), relaying for 127.0.0.0/8 without AUTH, resolving the sink's domain
 * through a knot DNS server (d2.test → 127.0.0.2) and delivering to {@code outbound.smtp_port}.
 * Everything else is Outflow's default (per-domain concurrency, pool, JVM options of the
 * launcher); {@code broker.fsync} is the variable.
 */
final class OutflowRelay implements Relay {
    private final Path home;
    private final Path dir;
    private final boolean fsync;
    private final String dnsServer;
    private final Map<String, String> extra;
    private Process process;
    private int smtpdPort;
    private int brokerPort;

    OutflowRelay(Path home, Path dir, boolean fsync, String dnsServer, Map<String, String> extra) {
        this.home = home;
        this.dir = dir;
        this.fsync = fsync;
        this.dnsServer = dnsServer;
        this.extra = extra;
    }

    @Override
    public String name() {
        return "outflow fsync=" + fsync + (extra.isEmpty() ? "" : " " + extra);
    }

    @Override
    public String describe() {
        return "bin/outflow up (embedded broker, broker.fsync=" + fsync + ", defaults otherwise" + (extra.isEmpty() ? "" : ", " + extra) + ")";
    }

    @Override
    public void start(Sink sink) throws Exception {
        Files.createDirectories(dir);
        int broker;
        do {
            broker = Procs.freePort("127.0.0.1");
        } while (!free(broker + 1));
        brokerPort = broker;
        smtpdPort = Procs.freePort("127.0.0.1");
        Map<String, String> c = new LinkedHashMap<>();
        c.put("me", "relay.bench.test");
        c.put("data.dir", dir.resolve("data").toString());
        c.put("broker.listen", "127.0.0.1:" + broker);
        c.put("broker.fsync", String.valueOf(fsync));
        c.put("smtpd.listen", "127.0.0.1:" + smtpdPort);
        c.put("smtpd.relay_networks", "127.0.0.0/8");
        c.put("smtpd.users", dir.resolve("smtpd.users").toString());
        c.put("http.listen", "127.0.0.1:" + Procs.freePort("127.0.0.1"));
        c.put("plugins.dir", dir.resolve("plugins").toString());
        c.put("dns.servers", dnsServer);
        c.put("outbound.smtp_port", String.valueOf(sink.port));
        c.put("outbound.enable_tls", "false");
        c.put("outbound.allow_private", "true"); // the sink listens on loopback
        c.putAll(extra);
        StringBuilder sb = new StringBuilder();
        c.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Path config = dir.resolve("outflow.properties");
        Files.writeString(config, sb.toString(), StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/outflow").toString(), "up", "--config", config.toString())
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("up.out").toFile())
                .redirectError(dir.resolve("up.err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("OUTFLOW_") && !k.equals("OUTFLOW_JAVA_OPTS"));
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Procs.read(dir.resolve("up.out")).orElse("").contains("Outflow is up")) {
            if (!process.isAlive()) throw new IllegalStateException("outflow up exited: " + Procs.read(dir.resolve("up.err")).orElse(""));
            if (System.nanoTime() > deadline) throw new IllegalStateException("outflow up did not come up; see " + dir);
            Thread.sleep(100);
        }
    }

    /** The embedded broker's address, for injecting straight into Kafka. */
    String bootstrap() {
        return "127.0.0.1:" + brokerPort;
    }

    private static boolean free(int port) {
        try (var s = new java.net.ServerSocket()) {
            s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String listen() {
        return "127.0.0.1:" + smtpdPort;
    }

    @Override
    public long rootPid() {
        return process.pid();
    }

    @Override
    public String afterCheck() {
        try {
            String status = Procs.run(List.of(home.resolve("bin/outflow").toString(), "status", "--config",
                    dir.resolve("outflow.properties").toString()), dir, Duration.ofMinutes(1));
            return status.lines().filter(l -> l.contains("outbound") || l.contains("deferred")).map(l -> l.strip().replaceAll("\\s+", " "))
                    .reduce((a, b) -> a + "; " + b).orElse("");
        } catch (Exception e) {
            return "status failed: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        if (process != null) Procs.stop(process.toHandle(), Duration.ofSeconds(60));
    }
}

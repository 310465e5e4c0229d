package dev.outflow.testkit.dns;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server for tests: Knot DNS ({@code knotd}, Debian package {@code knot})
 * in the foreground on {@code 127.0.0.1:5353} (UDP and TCP) serving the zone {@code test.} from
 * {@code dns/test.zone} (its comments list the test domains), plus an empty root zone so that any
 * other name answers NXDOMAIN instead of REFUSED and no question leaves the machine.
 *
 * <pre>{@code
 * try (KnotDns dns = KnotDns.start()) {
 *     config.with(OutflowKeys.DNS_SERVERS, dns.server());   // "127.0.0.1:5353"
 * }
 * KnotDns.builder().port(15353).records("extra MX 10 mx2.test.").zone("example.", "@ MX 0 .").start();
 * }</pre>
 *
 * <p>{@link #start()} returns once knot answers a query and fails (with knot's log) if it does not
 * within the start timeout, or if the port is already taken (a knotd left running). {@link #close()}
 * stops knot (SIGTERM, then SIGKILL) and deletes its temporary directory; a JVM shutdown hook does
 * the same if a test forgets. The binary is {@code knotd} on the PATH or in {@code /usr/sbin},
 * or the system property {@code outflow.knotd}.
 */
public final class KnotDns implements AutoCloseable {
    public static final int DEFAULT_PORT = 5353;
    private static final String LOOPBACK = "127.0.0.1";

    private final Process process;
    private final Path dir;
    private final int port;
    private final Thread shutdownHook;

    private KnotDns(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.shutdownHook = new Thread(this::stop, "knotd-stop-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts knot on 127.0.0.1:5353 with the test zone. */
    public static KnotDns start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /** The {@code dns.servers} value, e.g. {@code 127.0.0.1:5353}. */
    public String server() {
        return LOOPBACK + ":" + port;
    }

    /** knotd's output so far (for failure messages). */
    public String log() {
        return readLog(dir);
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    /** Options for {@link KnotDns}; {@link #start()} launches it. */
    public static final class Builder {
        private int port = DEFAULT_PORT;
        private final StringBuilder extraRecords = new StringBuilder();
        private final Map<String, String> zones = new LinkedHashMap<>();
        private Duration startTimeout = Duration.ofSeconds(15);

        private Builder() {}

        /** UDP and TCP port on 127.0.0.1 (default 5353). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** A port that is free now (UDP and TCP), for tests that must not collide with 5353. */
        public Builder freePort() {
            this.port = findFreePort();
            return this;
        }

        /** Master-file lines appended to the {@code test.} zone (names relative to {@code test.}). */
        public Builder records(String zoneText) {
            extraRecords.append(zoneText).append('\n');
            return this;
        }

        /**
         * Another zone; SOA and NS are added when the text has no SOA. Names are relative to the
         * origin, default TTL 60.
         */
        public Builder zone(String origin, String zoneText) {
            zones.put(origin.endsWith(".") ? origin : origin + ".", zoneText);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        public KnotDns start() {
            checkPortFree(port);
            Path dir;
            try {
                dir = Files.createTempDirectory("outflow-knot-");
                Files.createDirectories(dir.resolve("run"));
                Files.createDirectories(dir.resolve("db"));
                Files.createDirectories(dir.resolve("zones"));
                Files.writeString(dir.resolve("zones/test.zone"), testZoneText() + "\n" + extraRecords, StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("zones/root.zone"), zoneFile(".", ""), StandardCharsets.UTF_8);
                List<String> files = new ArrayList<>();
                int i = 0;
                for (Map.Entry<String, String> z : zones.entrySet()) {
                    String file = "extra" + (i++) + ".zone";
                    Files.writeString(dir.resolve("zones").resolve(file), zoneFile(z.getKey(), z.getValue()), StandardCharsets.UTF_8);
                    files.add(file);
                }
                Files.writeString(dir.resolve("knot.conf"), config(dir, files), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare knot's directory", e);
            }
            Process process;
            try {
                process = new ProcessBuilder(knotd(), "-c", dir.resolve("knot.conf").toString(), "-s", dir.resolve("run/knot.sock").toString())
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("knotd.log").toFile())
                        .start();
            } catch (IOException e) {
                deleteTree(dir);
                throw new UncheckedIOException("cannot run knotd (apt-get install knot)", e);
            }
            KnotDns knot = new KnotDns(process, dir, port);
            try {
                awaitAnswer(knot, process, startTimeout);
            } catch (RuntimeException e) {
                knot.close();
                throw e;
            }
            return knot;
        }

        private String config(Path dir, List<String> extraFiles) {
            StringBuilder c = new StringBuilder()
                    .append("server:\n")
                    .append("    rundir: \"").append(dir.resolve("run")).append("\"\n")
                    .append("    listen: ").append(LOOPBACK).append('@').append(port).append('\n')
                    .append("    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n")
                    .append("log:\n  - target: stdout\n    any: info\n")
                    .append("database:\n    storage: \"").append(dir.resolve("db")).append("\"\n")
                    .append("template:\n  - id: default\n")
                    .append("    storage: \"").append(dir.resolve("zones")).append("\"\n")
                    .append("    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n")
                    .append("zone:\n")
                    .append("  - domain: test.\n    file: test.zone\n")
                    .append("  - domain: .\n    file: root.zone\n");
            int i = 0;
            for (String origin : zones.keySet()) {
                c.append("  - domain: ").append(origin).append("\n    file: ").append(extraFiles.get(i++)).append('\n');
            }
            return c.toString();
        }
    }

    private static String zoneFile(String origin, String body) {
        StringBuilder z = new StringBuilder("$ORIGIN ").append(origin).append("\n$TTL 60\n");
        if (!body.contains("SOA")) z.append("@ SOA ns.test. hostmaster.test. 1 3600 600 86400 30\n@ NS ns.test.\n");
        return z.append(body).append('\n').toString();
    }

    static String testZoneText() {
        try (InputStream in = KnotDns.class.getClassLoader().getResourceAsStream(ZoneResolver.TEST_ZONE_RESOURCE)) {
            if (in == null) throw new IllegalStateException(ZoneResolver.TEST_ZONE_RESOURCE + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String knotd() {
        String configured = System.getProperty("outflow.knotd");
        if (configured != null) return configured;
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/sbin");
        dirs.add("/usr/local/sbin");
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "knotd"))) return Path.of(d, "knotd").toString();
        }
        throw new IllegalStateException("knotd not found: install the Debian package 'knot' (apt-get install knot)");
    }

    /** Polls with a SOA question until knot answers NOERROR; fails early if knotd exits. */
    private static void awaitAnswer(KnotDns knot, Process process, Duration timeout) {
        SimpleResolver probe = new SimpleResolver(knot.address());
        probe.setTimeout(Duration.ofMillis(200));
        Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("test."), Type.SOA, DClass.IN));
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("knotd exited with " + process.exitValue() + ":\n" + knot.log());
            }
            try {
                Message reply = probe.send(query);
                if (reply.getRcode() == Rcode.NOERROR && !reply.getSection(org.xbill.DNS.Section.ANSWER).isEmpty()) return;
                lastProblem = "answered " + Rcode.string(reply.getRcode());
            } catch (IOException e) {
                lastProblem = e.toString();
            }
            // Before knot binds, the query fails at once (port unreachable): pause instead of spinning.
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for knotd");
            }
        }
        throw new IllegalStateException("knotd did not answer on " + knot.server() + " within " + timeout + " (" + lastProblem + "):\n" + knot.log());
    }

    /** Fails when something holds the port: knot uses SO_REUSEPORT and would silently share it. */
    private static void checkPortFree(int port) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(loopback, port));
             ServerSocket t = new ServerSocket()) {
            t.setReuseAddress(true);
            t.bind(new InetSocketAddress(loopback, port));
        } catch (IOException e) {
            throw new IllegalStateException("127.0.0.1:" + port + " is in use (a knotd left running?): " + e.getMessage(), e);
        }
    }

    private static int findFreePort() {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                int p = u.getLocalPort();
                try (ServerSocket t = new ServerSocket()) {
                    t.setReuseAddress(true);
                    t.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                    return p;
                } catch (IOException e) {
                    // TCP twin taken, try another
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port for knotd");
    }

    private static String readLog(Path dir) {
        try {
            return Files.readString(dir.resolve("knotd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temp directory
        }
    }
}

package dev.outflow.bench.e2e;

import dev.outflow.testkit.dns.KnotDns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end benchmark: the same SMTP workload (Postfix's {@code smtp-source}: N messages of
 * ~2 KB over S parallel sessions that reuse their connections) relayed by Outflow, Haraka and
 * Postfix into the same kind of sink (Postfix's {@code smtp-sink} on 127.0.0.2), plus the
 * smtp-source → smtp-sink ceiling. For each relay: msg/s from the start of injection until the sink
 * counted every message, CPU per message and peak memory of the relay's process tree (from
 * {@code /proc}), the machine's busy share and how much of it came from outside the benchmark.
 * Every relay runs twice in the same process: "cold" (fresh process, JIT and caches cold) and
 * "warm". Outflow runs with the embedded broker's {@code broker.fsync} true and false. The relay
 * {@code outflow-kafka} is Outflow fed by a plain Kafka producer instead of SMTP: N JSON
 * submissions written to {@code outflow.submissions} (acks=all), timed until the sink counted all
 * of them (the router, worker and events are in the path; SMTP intake is not).
 *
 * <p>Knobs (environment): {@code N} (20000), {@code SESSIONS} (20), {@code BODY} (1900 bytes),
 * {@code RELAYS} (ceiling,outflow,outflow-nofsync,haraka,postfix), {@code RUNS} (2 per relay: cold,
 * warm), {@code HARAKA_NPM} (where run installed Haraka), {@code HARAKA_CONCURRENCY} (100),
 * {@code HARAKA_LOGLEVEL} (warn), {@code OUTFLOW_SET} (extra Outflow settings, {@code k=v,k=v}),
 * {@code RESULTS_DIR} (bench-results), {@code QUIET_PCT} (25) and
 * {@code QUIET_WAIT} (180 s): before each run wait up to QUIET_WAIT for the machine to be at most
 * QUIET_PCT busy. {@code OUTFLOW_HOME}: the checkout (default: the working directory).
 */
public final class EndToEndBenchmark {
    private static final String SMTP_SOURCE = "/usr/sbin/smtp-source";
    private static final String SINK_ADDRESS = "127.0.0.2";
    private static final String RCPT = "rcpt@d2.test";

    private final int n = intEnv("N", 20000);
    private final int sessions = intEnv("SESSIONS", 20);
    private final int body = intEnv("BODY", 1900);
    private final int runs = intEnv("RUNS", 2);
    private final int quietPct = intEnv("QUIET_PCT", 25);
    private final int quietWait = intEnv("QUIET_WAIT", 180);
    private final Path home = Path.of(env("OUTFLOW_HOME", ".")).toAbsolutePath().normalize();
    private final Path results;
    private final List<RunResult> rows = new ArrayList<>();
    private final Map<String, String> descriptions = new LinkedHashMap<>();
    private final Map<String, String> checks = new LinkedHashMap<>();
    private final List<String> log = new ArrayList<>();

    private EndToEndBenchmark() {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        results = home.resolve(env("RESULTS_DIR", "bench-results")).resolve(stamp);
    }

    public static void main(String[] args) throws Exception {
        EndToEndBenchmark b = new EndToEndBenchmark();
        List<String> relays = Arrays.asList(env("RELAYS", "ceiling,outflow,outflow-nofsync,haraka,postfix").split(","));
        b.run(relays);
    }

    private void run(List<String> relays) throws Exception {
        Files.createDirectories(results);
        say("results in " + results);
        say("N=" + n + " sessions=" + sessions + " body=" + body + " B, " + ProcStat.cpus() + " CPUs");
        int port = Procs.freeFixedPort(SINK_ADDRESS);
        try (KnotDns dns = KnotDns.builder().freePort().start()) {
            for (String r : relays) {
                switch (r.strip()) {
                    case "ceiling" -> ceiling(port);
                    case "outflow" -> relay(new OutflowRelay(home, results.resolve("outflow-fsync"), true, dns.server(), outflowSettings()), port);
                    case "outflow-kafka" -> relay(new KafkaFedRelay(new OutflowRelay(home, results.resolve("outflow-kafka"), true, dns.server(), outflowSettings()),
                            n, body, RCPT), port);
                    case "outflow-nofsync" -> relay(new OutflowRelay(home, results.resolve("outflow-nofsync"), false, dns.server(), outflowSettings()), port);
                    case "haraka" -> relay(new HarakaRelay(Path.of(env("HARAKA_NPM", System.getProperty("user.home") + "/.cache/outflow-bench/haraka-npm")),
                            results.resolve("haraka"), intEnv("HARAKA_CONCURRENCY", 100), env("HARAKA_LOGLEVEL", "warn")), port);
                    case "postfix" -> relay(new PostfixRelay(Path.of("/var/tmp").resolve("outflow-bench-postfix-" + results.getFileName()), results), port);
                    case "" -> { }
                    default -> throw new IllegalArgumentException("unknown relay " + r + " (ceiling, outflow, outflow-kafka, outflow-nofsync, haraka, postfix)");
                }
            }
        }
        String table = Report.table(rows, descriptions, checks, n, sessions, body);
        System.out.println();
        System.out.println(table);
        Files.writeString(results.resolve("results.md"), table, StandardCharsets.UTF_8);
        Files.writeString(results.resolve("results.tsv"), Report.tsv(rows), StandardCharsets.UTF_8);
        Files.writeString(results.resolve("log.txt"), String.join("\n", log) + "\n", StandardCharsets.UTF_8);
        Files.writeString(results.getParent().resolve("latest.md"), table, StandardCharsets.UTF_8);
    }

    /** {@code OUTFLOW_SET="key=value,key=value"}: extra Outflow settings for both Outflow relays (reported in the table). */
    private static Map<String, String> outflowSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : env("OUTFLOW_SET", "").split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) m.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        return m;
    }

    private void ceiling(int port) throws Exception {
        try (Sink sink = Sink.start(SINK_ADDRESS, port, results.resolve("ceiling.sink.log"))) {
            descriptions.put("ceiling", "smtp-source -d -s " + sessions + " -m " + n + " -l " + body + " → smtp-sink, no relay");
            for (int i = 0; i < runs; i++) {
                awaitQuiet();
                long base = sink.count();
                long[] box0 = ProcStat.box();
                long t0 = System.nanoTime();
                inject(SINK_ADDRESS + ":" + port, results.resolve("ceiling-" + i + ".source.log"));
                long t1 = awaitSink(sink, base + n);
                long[] box1 = ProcStat.box();
                double secs = (t1 - t0) / 1e9;
                RunResult r = new RunResult("ceiling", i == 0 ? "cold" : "warm", n, secs, n / secs, Double.NaN, Double.NaN, 0, 0,
                        busyPct(box0, box1), Double.NaN);
                record(r);
            }
        }
    }

    private void relay(Relay relay, int port) throws Exception {
        Path sinkLog = results.resolve(fileName(relay.name()) + ".sink.log");
        try (Sink sink = Sink.start(SINK_ADDRESS, port, sinkLog); relay) {
            say("starting " + relay.name());
            relay.start(sink);
            descriptions.put(relay.name(), relay.describe());
            try (MemorySampler mem = new MemorySampler(relay.rootPid(), Duration.ofMillis(250))) {
                for (int i = 0; i < runs; i++) {
                    awaitQuiet();
                    mem.reset();
                    long base = sink.count();
                    long[] box0 = ProcStat.box();
                    double[] cpu0 = ProcStat.treeCpuSeconds(relay.rootPid());
                    double ours0 = ProcStat.selfCpuSeconds() + sum(ProcStat.treeCpuSeconds(sink.pid()));
                    long t0 = System.nanoTime();
                    long ti = relay instanceof KafkaFedRelay k ? k.inject()
                            : inject(relay.listen(), results.resolve(fileName(relay.name()) + "-" + i + ".source.log"));
                    long t1 = awaitSink(sink, base + n);
                    double[] cpu1 = ProcStat.treeCpuSeconds(relay.rootPid());
                    double ours1 = ProcStat.selfCpuSeconds() + sum(ProcStat.treeCpuSeconds(sink.pid()));
                    long[] box1 = ProcStat.box();
                    double secs = (t1 - t0) / 1e9;
                    double relayCpu = sum(cpu1) - sum(cpu0);
                    double sys = cpu1[1] - cpu0[1];
                    double boxBusySecs = (box1[0] - box0[0]) / ProcStat.TICKS;
                    double capacity = (box1[1] - box0[1]) / ProcStat.TICKS;
                    double foreign = Math.max(0, boxBusySecs - relayCpu - (ours1 - ours0)) / Math.max(0.01, capacity) * 100;
                    RunResult r = new RunResult(relay.name(), i == 0 ? "cold" : "warm", n, secs, n / ((ti - t0) / 1e9),
                            relayCpu * 1000 / n, relayCpu > 0 ? 100 * sys / relayCpu : 0, mem.peakRssMib(), mem.peakPssMib(),
                            busyPct(box0, box1), foreign);
                    record(r);
                }
            }
            String check = relay.afterCheck();
            if (!check.isEmpty()) {
                checks.put(relay.name(), check);
                say(relay.name() + ": " + check);
            }
        }
    }

    private void record(RunResult r) {
        rows.add(r);
        say(String.format(Locale.ROOT, "%s %s: %.0f msg/s (%.1f s), inject %.0f msg/s, CPU %.3f ms/msg (%.0f%% sys), peak RSS %d MiB, PSS %d MiB, box %.0f%% busy, foreign %.0f%%",
                r.relay(), r.run(), r.rate(), r.seconds(), r.injectRate(), r.cpuMsPerMsg(), r.sysPct(), r.peakRssMib(), r.peakPssMib(),
                r.boxBusyPct(), r.foreignPct()));
    }

    /** Runs smtp-source to completion; returns System.nanoTime() when it finished. */
    private long inject(String target, Path out) throws IOException, InterruptedException {
        List<String> cmd = List.of(SMTP_SOURCE, "-d", "-s", String.valueOf(sessions), "-m", String.valueOf(n), "-l", String.valueOf(body),
                "-S", "bench", "-M", "bench.test", "-f", "sender@bench.test", "-t", RCPT, target);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("smtp-source did not finish");
        }
        long t = System.nanoTime();
        if (p.exitValue() != 0) throw new IllegalStateException("smtp-source failed (" + p.exitValue() + "): " + Files.readString(out));
        return t;
    }

    private long awaitSink(Sink sink, long target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long c = sink.count();
            long now = System.nanoTime();
            if (c >= target) return now;
            if (c != last) {
                last = c;
                lastChange = now;
            }
            if (now > deadline || now - lastChange > TimeUnit.MINUTES.toNanos(3)) {
                throw new IllegalStateException("the sink counted " + c + " of " + target + " and stopped moving");
            }
            Thread.sleep(50);
        }
    }

    private void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(quietWait);
        int busy;
        boolean said = false;
        while (true) {
            long[] a = ProcStat.box();
            Thread.sleep(2000);
            busy = (int) Math.round(busyPct(a, ProcStat.box()));
            if (busy <= quietPct) return;
            if (System.nanoTime() > deadline) {
                say("machine still " + busy + "% busy after " + quietWait + " s; measuring anyway (see the foreign column)");
                return;
            }
            if (!said) {
                say("machine " + busy + "% busy (other workloads); waiting up to " + quietWait + " s for <= " + quietPct + "%");
                said = true;
            }
        }
    }

    private static double busyPct(long[] a, long[] b) {
        return 100.0 * (b[0] - a[0]) / Math.max(1, b[1] - a[1]);
    }

    private static double sum(double[] v) {
        return v[0] + v[1];
    }

    private void say(String s) {
        String line = "[" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + "] " + s;
        log.add(line);
        System.out.println(line);
        System.out.flush();
    }

    private static String env(String k, String def) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? def : v;
    }

    private static int intEnv(String k, int def) {
        return Integer.parseInt(env(k, String.valueOf(def)));
    }

    /** A relay's name as a file name: OUTFLOW_SET values may hold paths. */
    private static String fileName(String relayName) {
        return relayName.replaceAll("[^A-Za-z0-9._-]", "-");
    }
}

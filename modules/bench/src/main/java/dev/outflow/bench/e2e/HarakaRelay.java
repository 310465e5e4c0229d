package dev.outflow.bench.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Haraka 3 as the relay, installed by {@code modules/bench/run} with npm into a cache directory
 * outside the repository ({@code HARAKA_NPM}). A fresh instance directory ({@code haraka -i}) gets:
 * the {@code relay} plugin with an ACL allowing 127.0.0.0/8 (relay by IP, no AUTH), a small local
 * plugin {@code bench_sink} whose {@code get_mx} hook sends every domain to the sink (Haraka has no
 * "MX port" setting) and whose {@code lookup_rdns} hook answers at once (otherwise core Haraka
 * reverse-resolves every client with the system resolver, which is off this box), and
 * {@code outbound.ini} with {@code concurrency_max} (default 100: Haraka's built-in fallback of
 * 10000 simultaneous deliveries overruns a sink) and TLS off. Haraka runs its default process
 * model (cluster master + one worker); CPU and memory are summed over both.
 */
final class HarakaRelay implements Relay {
    private static final String PLUGIN = """
            'use strict'
            // Outflow benchmark: route every domain to the benchmark's smtp-sink and never ask DNS.
            const dns = require('node:dns')

            exports.register = function () {
                // Any stray c-ares query goes to loopback, never to the off-box system resolver.
                try { dns.setServers(['127.0.0.1']) } catch (ignore) { }
                const sink = this.config.get('bench_sink.ini').main
                this.route = { priority: 0, exchange: sink.host, port: Number(sink.port) }
                this.register_hook('lookup_rdns', 'rdns')
                this.register_hook('get_mx', 'to_sink')
            }

            exports.rdns = function (next) { next(OK, 'localhost') }
            exports.to_sink = function (next) { next(OK, Object.assign({}, this.route)) }
            """;

    private final Path npm;
    private final Path dir;
    private final int concurrency;
    private final String logLevel;
    private Process process;
    private int port;
    private String version = "?";

    HarakaRelay(Path npm, Path dir, int concurrency, String logLevel) {
        this.npm = npm;
        this.dir = dir;
        this.concurrency = concurrency;
        this.logLevel = logLevel;
    }

    @Override
    public String name() {
        return "haraka";
    }

    @Override
    public String describe() {
        return "Haraka " + version + " (relay ACL 127.0.0.0/8, get_mx to the sink, outbound concurrency_max=" + concurrency
                + ", enable_tls=false, log level " + logLevel + ", queue on disk, cluster master + 1 worker)";
    }

    @Override
    public void start(Sink sink) throws Exception {
        Path haraka = npm.resolve("node_modules/Haraka/bin/haraka");
        if (!Files.exists(haraka)) throw new IllegalStateException("Haraka is not installed in " + npm + " (modules/bench/run installs it)");
        version = Procs.run(List.of("node", "-p", "require('" + npm.resolve("node_modules/Haraka/package.json") + "').version"), null,
                Duration.ofSeconds(30)).strip();
        Files.createDirectories(dir.getParent());
        Procs.run(List.of("node", haraka.toString(), "-i", dir.toString()), null, Duration.ofMinutes(1));
        port = Procs.freePort("127.0.0.1");
        Path c = dir.resolve("config");
        write(c.resolve("smtp.ini"), "listen=127.0.0.1:" + port + "\npublic_ip=127.0.0.1\nforce_shutdown_timeout=5\n");
        write(c.resolve("me"), "relay.bench.test\n");
        write(c.resolve("log.ini"), "[main]\nlevel=" + logLevel + "\ntimestamps=false\nformat=default\n");
        write(c.resolve("plugins"), "bench_sink\nrelay\n");
        write(c.resolve("relay.ini"), "[relay]\nacl=true\nforce_routing=false\ndest_domains=false\nall=false\n");
        write(c.resolve("relay_acl_allow"), "127.0.0.0/8\n");
        write(c.resolve("bench_sink.ini"), "[main]\nhost=" + sink.address + "\nport=" + sink.port + "\n");
        write(c.resolve("outbound.ini"), "[main]\ndisabled=false\nconcurrency_max=" + concurrency + "\nenable_tls=false\n");
        write(dir.resolve("plugins/bench_sink.js"), PLUGIN);
        process = new ProcessBuilder("node", haraka.toString(), "-c", dir.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haraka.log").toFile()).start();
        Procs.awaitListening("127.0.0.1", port, Duration.ofSeconds(60), process::isAlive, "Haraka");
        // The worker loads its plugins (public suffix lists etc.) after the master listens.
        Thread.sleep(2000);
    }

    private static void write(Path p, String text) throws java.io.IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    @Override
    public String listen() {
        return "127.0.0.1:" + port;
    }

    @Override
    public long rootPid() {
        return process.pid();
    }

    @Override
    public String afterCheck() {
        try (var files = Files.list(dir.resolve("queue"))) {
            return "queue files left: " + files.filter(f -> !f.getFileName().toString().startsWith(".")).count();
        } catch (java.io.IOException e) {
            return "queue: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        if (process == null) return;
        List<ProcessHandle> tree = process.descendants().toList();
        Procs.stop(process.toHandle(), Duration.ofSeconds(15));
        for (ProcessHandle h : tree) Procs.stop(h, Duration.ofSeconds(5));
    }
}

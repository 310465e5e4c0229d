package dev.outflow.bench.scale;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code bin/outflow} process of the benchmark (the broker, a worker), its output in a log
 * file, stopped with SIGTERM (the launcher execs the JVM, so the signal reaches Outflow).
 */
final class Node implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    private final Process process;
    private final Path log;
    private final int httpPort;

    private Node(String name, Process process, Path log, int httpPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    static Node start(Path home, Path dir, String name, int httpPort, Path config, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/outflow").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--config", config.toString()));
        if (httpPort > 0) cmd.addAll(List.of("--set", "http.listen=127.0.0.1:" + httpPort));
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // Several JVMs share a small machine: a smaller heap than the launcher's default 1 GiB.
        pb.environment().put("OUTFLOW_JAVA_OPTS", "-Xmx384m -XX:+UseParallelGC");
        return new Node(name, pb.start(), log, httpPort);
    }

    /** Runs a one-shot command to its end; fails on a non-zero exit. */
    static void run(Path home, Path dir, String name, Path config, String... args) throws IOException, InterruptedException {
        Node n = start(home, dir, name, 0, config, args);
        if (!n.process.waitFor(3, TimeUnit.MINUTES) || n.process.exitValue() != 0) {
            throw new IllegalStateException("outflow " + String.join(" ", args) + " failed; see " + n.log);
        }
    }

    void awaitOutput(String needle, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.readString(log, StandardCharsets.UTF_8).contains(needle)) {
            if (!process.isAlive()) throw new IllegalStateException(name + " exited; see " + log);
            if (System.nanoTime() > deadline) throw new IllegalStateException(name + " did not print '" + needle + "'; see " + log);
            Thread.sleep(200);
        }
    }

    /** Waits until {@code /ready} answers 200: the worker holds partitions or is a standby. */
    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                int code = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (code == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive()) throw new IllegalStateException(name + " exited; see " + log);
            if (System.nanoTime() > deadline) throw new IllegalStateException(name + " not ready after " + timeout + "; see " + log);
            Thread.sleep(250);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM and wait: in-flight deliveries finish, offsets are committed. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) stop();
    }
}

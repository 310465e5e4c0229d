package dev.outflow.bench.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Process and port helpers of the benchmark driver. Stateless. */
final class Procs {
    private Procs() {}

    static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until host:port accepts; fails early when {@code alive} says the server died. */
    static void awaitListening(String host, int port, Duration timeout, java.util.function.BooleanSupplier alive, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!accepts(host, port)) {
            if (!alive.getAsBoolean()) throw new IllegalStateException(what + " died before listening on " + host + ":" + port);
            if (System.nanoTime() > deadline) throw new IllegalStateException(what + " does not listen on " + host + ":" + port);
            Thread.sleep(100);
        }
    }

    static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A port free on {@code host} from 20000–32767, below the Linux ephemeral range. */
    static int freeFixedPort(String host) {
        for (int i = 0; i < 200; i++) {
            int p = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12768);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(host, p));
                return p;
            } catch (IOException e) {
                // taken, try another
            }
        }
        throw new IllegalStateException("no free port on " + host);
    }

    /** SIGTERM, wait, SIGKILL. */
    static void stop(ProcessHandle p, Duration timeout) {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
        }
    }

    /** Runs a short command to completion; returns its output; throws on a non-zero exit. */
    static String run(List<String> cmd, Path dir, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n" + text);
        return text;
    }

    static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

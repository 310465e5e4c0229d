package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One long-running {@code bin/outflow} command (up, broker, worker, scheduler, smtpd) as a child
 * process. Standard output and error go to files ({@code NAME.out}, {@code NAME.err}) in the
 * instance's directory, which stay after the test for diagnosis. {@code bin/outflow} execs the
 * JVM, so the child's pid is the JVM's: {@link #kill9()} is a real crash. It starts with SIGHUP
 * ignored, as under {@code nohup}: {@code bin/outflow} must give it back for {@code kill -HUP} to
 * flush ({@code FlushIT.sighupFlushesToo}).
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class OutflowProcess implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final List<String> command;
    private final Path dir;
    private final Map<String, String> env;
    private final Path out;
    private final Path err;
    private Process process;
    private int starts;

    OutflowProcess(String name, List<String> command, Path dir, Map<String, String> env) {
        this.name = name;
        this.command = List.copyOf(command);
        this.dir = dir;
        this.env = new java.util.HashMap<>(env);
        this.out = dir.resolve(name + ".out");
        this.err = dir.resolve(name + ".err");
    }

    /** Starts (or restarts) the process; output of earlier runs is kept, appended to. */
    OutflowProcess launch() {
        List<String> nohup = new java.util.ArrayList<>(List.of("env", "--ignore-signal=HUP"));
        nohup.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(nohup).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Installation.applyEnv(pb.environment(), env);
        try {
            appendMarker("=== start " + (++starts) + ": " + String.join(" ", command));
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        return this;
    }

    private void appendMarker(String line) throws IOException {
        Files.writeString(out, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(err, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * Waits until the current run's standard output or error contains {@code needle}.
     *
     * @throws AssertionError with the output when the process exits first or the time runs out
     */
    public OutflowProcess awaitOutput(String needle, Duration timeout) {
        try {
            Awaitility.await(name + " prints '" + needle + "'").atMost(timeout).pollInterval(Duration.ofMillis(50))
                    .pollDelay(Duration.ZERO).until(() -> {
                        if (printed(needle)) return true;
                        if (!process.isAlive()) {
                            throw new AssertionError(name + " exited with " + process.exitValue() + " before printing '" + needle + "'\n" + tail());
                        }
                        return false;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " did not print '" + needle + "' within " + timeout + "\n" + tail());
        }
        return this;
    }

    /** Whether the current run's output (stdout + stderr) contains {@code needle}. */
    public boolean printed(String needle) {
        return currentRun(stdout()).contains(needle) || currentRun(stderr()).contains(needle);
    }

    /** A position in the output, to wait for something printed after it. */
    public record Mark(int out, int err) {}

    public Mark mark() {
        return new Mark(stdout().length(), stderr().length());
    }

    /**
     * Waits until output printed after {@code mark} contains {@code needle}.
     *
     * @throws AssertionError with the output when the process exits first or the time runs out
     */
    public OutflowProcess awaitOutputSince(Mark mark, String needle, Duration timeout) {
        try {
            Awaitility.await(name + " prints '" + needle + "'").atMost(timeout).pollInterval(Duration.ofMillis(50))
                    .pollDelay(Duration.ZERO).until(() -> {
                        String o = stdout();
                        String e = stderr();
                        if (o.indexOf(needle, Math.min(mark.out(), o.length())) >= 0 || e.indexOf(needle, Math.min(mark.err(), e.length())) >= 0) {
                            return true;
                        }
                        if (!process.isAlive()) throw new AssertionError(name + " exited with " + process.exitValue() + "\n" + tail());
                        return false;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " did not print '" + needle + "' within " + timeout + "\n" + tail());
        }
        return this;
    }

    private String currentRun(String all) {
        int i = all.lastIndexOf("=== start " + starts + ":");
        return i < 0 ? all : all.substring(i);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. Waits until it is gone. */
    public void kill9() {
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(30));
    }

    /** SIGTERM, then waits for a clean exit (SIGKILL after 60 s); returns the exit code. */
    public int stop() {
        if (process == null || !process.isAlive()) return process == null ? -1 : process.exitValue();
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Starts the same command again (after {@link #kill9()} or {@link #stop()}). */
    public OutflowProcess restart() {
        if (isAlive()) throw new IllegalStateException(name + " is still running");
        return launch();
    }

    private void waitGone(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError(name + " did not die");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public String stdout() {
        return read(out);
    }

    public String stderr() {
        return read(err);
    }

    /** The last lines of both streams, for failure messages. */
    public String tail() {
        return "--- " + out + " (tail)\n" + Logs.tail(stdout(), 40) + "\n--- " + err + " (tail)\n" + Logs.tail(stderr(), 80);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return name + (isAlive() ? " (pid " + pid() + ")" : " (not running)");
    }
}

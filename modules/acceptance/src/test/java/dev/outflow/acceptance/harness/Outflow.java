package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Outflow installation under test: the packaged {@code bin/outflow} of this checkout, a config
 * file of its own, and its own directory ({@code target/acceptance-logs/NAME}: config, broker data,
 * the output of every process and command). Long-running commands ({@link #up()},
 * {@link #start(String, String...)}) become {@link OutflowProcess}es; one-shot commands
 * ({@link #run(String...)}, {@link #send}) run to completion. Every command gets
 * {@code --config} with this instance's file, so they all find the same embedded broker through
 * {@code data.dir}.
 *
 * <p>Settings go into the config file, not {@code --set}: hot keys ({@code outbound.disabled},
 * {@code outbound.temp_fail_intervals}, ...) are re-read from the file and must not be pinned by a
 * command-line override. {@link #close()} stops every process it started (SIGTERM) and deletes the
 * broker data; logs stay.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class Outflow implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final Path home;
    private final Path dir;
    private final Path configFile;
    private final Map<String, String> settings;
    private final Map<String, String> env;
    private final int brokerPort;
    private final int smtpdPort;
    private final List<OutflowProcess> processes = new ArrayList<>();
    private EventLog events;
    private int commands;

    private Outflow(Builder b) {
        this.name = b.name;
        this.home = Installation.home();
        this.dir = Installation.logsRoot().resolve(b.name);
        this.settings = b.settings;
        this.env = b.env;
        this.brokerPort = b.brokerPort;
        this.smtpdPort = b.smtpdPort;
        this.configFile = dir.resolve("outflow.properties");
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeConfig();
    }

    /** A new instance with test-friendly defaults (ports, short retries and buckets, no fsync). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return configFile;
    }

    /** {@code kafka.bootstrap.servers} when set (an external cluster), else {@code 127.0.0.1:PORT} of the embedded broker. */
    public String bootstrap() {
        String external = settings.get("kafka.bootstrap.servers");
        return external != null ? external : "127.0.0.1:" + brokerPort;
    }

    public int smtpdPort() {
        return smtpdPort;
    }

    public String setting(String key) {
        return settings.get(key);
    }

    /** Starts {@code outflow up} and waits until it reports that it is up. */
    public OutflowProcess up() {
        return start("up").awaitOutput("Outflow is up", START_TIMEOUT);
    }

    /**
     * Starts a long-running command ({@code broker}, {@code worker}, ...) without waiting; the
     * process is named after the command plus a counter when the command runs more than once.
     */
    public OutflowProcess start(String command, String... args) {
        long same = processes.stream().filter(p -> p.name().startsWith(command)).count();
        String procName = same == 0 ? command : command + "-" + (same + 1);
        List<String> cmd = commandLine(command, args);
        OutflowProcess p = new OutflowProcess(procName, cmd, dir, childEnv()).launch();
        processes.add(p);
        return p;
    }

    /** Runs a one-shot command to completion (120 s at most). */
    public CommandResult run(String... args) {
        return runWithInput(null, args);
    }

    /** Runs a one-shot command with {@code stdin} as its standard input. */
    public CommandResult runWithInput(String stdin, String... args) {
        int n = ++commands;
        String label = "cmd-" + n + "-" + (args.length == 0 ? "none" : args[0]);
        Path out = dir.resolve(label + ".out");
        Path err = dir.resolve(label + ".err");
        List<String> cmd = commandLine(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Installation.applyEnv(pb.environment(), childEnv());
        try {
            Process p = pb.start();
            CompletableFuture<Void> input = CompletableFuture.runAsync(() -> {
                try (var in = p.getOutputStream()) {
                    if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the command did not read its input: its exit code tells
                }
            });
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("outflow " + String.join(" ", args) + " did not finish within " + COMMAND_TIMEOUT);
            }
            input.join();
            return new CommandResult(String.join(" ", args), p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Runs a one-shot command the way a user at another shell would: from {@code cwd}, without
     * {@code --config}, with {@code OUTFLOW_HOME} pointing at this instance's folder (whose
     * {@code config/outflow.properties} is a copy of the instance's config file).
     */
    public CommandResult runFrom(Path cwd, String... args) {
        try {
            Files.createDirectories(dir.resolve("config"));
            Files.copy(configFile, dir.resolve("config/outflow.properties"), StandardCopyOption.REPLACE_EXISTING);
            List<String> cmd = new ArrayList<>();
            cmd.add(home.resolve("bin/outflow").toString());
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
            Map<String, String> vars = childEnv();
            vars.put("OUTFLOW_HOME", dir.toString());
            Installation.applyEnv(pb.environment(), vars);
            Path out = Files.createTempFile(dir, "elsewhere", ".out");
            Path err = Files.createTempFile(dir, "elsewhere", ".err");
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("outflow " + String.join(" ", args) + " did not finish within " + COMMAND_TIMEOUT);
            }
            return new CommandResult(String.join(" ", args), p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** {@code outflow send --from ... --to ... --subject ... --body ...}; returns the message id it printed. */
    public String send(String from, List<String> to, String subject, String body) {
        CommandResult r = run("send", "--from", from, "--to", String.join(",", to), "--subject", subject, "--body", body);
        return r.requireSuccess().lastLine();
    }

    /** {@code outflow send --file} with a complete message; returns the message id. */
    public String sendFile(String from, List<String> to, String message) {
        Path file = dir.resolve("message-" + (commands + 1) + ".eml");
        try {
            Files.writeString(file, message, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return run("send", "--from", from, "--to", String.join(",", to), "--file", file.toString()).requireSuccess().lastLine();
    }

    /**
     * Changes one key in the config file (atomically, by rename), as an operator editing it
     * would; hot keys take effect in the running processes within about a second.
     */
    public void setInConfigFile(String key, String value) {
        settings.put(key, value);
        writeConfig();
    }

    /** The event topics of this instance, read from the beginning (started on first use). */
    public EventLog events() {
        if (events == null) events = new EventLog(bootstrap(), settings.getOrDefault("topic.prefix", "outflow."));
        return events;
    }

    /** Stops reading the event topics (before the broker goes away, so the reader does not complain). */
    public void closeEvents() {
        if (events != null) events.close();
        events = null;
    }

    /** Everything the processes of this instance printed, for failure messages. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        for (OutflowProcess p : processes) sb.append(p.tail()).append('\n');
        return sb.toString();
    }

    private List<String> commandLine(String command, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/outflow").toString());
        cmd.add(command);
        cmd.addAll(List.of(args));
        cmd.add("--config");
        cmd.add(configFile.toString());
        return cmd;
    }

    private Map<String, String> childEnv() {
        Map<String, String> vars = new HashMap<>();
        // The child sees only this instance's settings: no OUTFLOW_* from the test environment.
        System.getenv().keySet().stream().filter(k -> k.startsWith("OUTFLOW_")).forEach(k -> vars.put(k, null));
        vars.put("OUTFLOW_JAVA_OPTS", Installation.childJavaOpts());
        String javaHome = Installation.javaHome();
        if (javaHome != null) vars.put("JAVA_HOME", javaHome);
        vars.putAll(env);
        return vars;
    }

    private void writeConfig() {
        StringBuilder sb = new StringBuilder("# written by the acceptance harness for " + name + "\n");
        settings.forEach((k, v) -> sb.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        try {
            Path tmp = dir.resolve("outflow.properties.tmp");
            Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (events != null) events.close();
        // Reverse start order: workers and friends before the broker they talk to.
        for (int i = processes.size() - 1; i >= 0; i--) processes.get(i).stop();
        try {
            deleteTree(dir.resolve("data"));
        } catch (IOException e) {
            // logs matter more than the broker's data
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /** Settings of an {@link Outflow}; {@link #create()} writes the config file. */
    public static final class Builder {
        private final String name;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<String, String> env = new HashMap<>();
        private final int brokerPort;
        private final int smtpdPort;

        private Builder(String name) {
            this.name = name;
            Path d = Installation.logsRoot().resolve(name);
            this.brokerPort = Ports.freePair();
            this.smtpdPort = Ports.free();
            settings.put("me", "outflow.acceptance.test");
            settings.put("data.dir", d.resolve("data").toString());
            settings.put("broker.listen", "127.0.0.1:" + brokerPort);
            settings.put("broker.fsync", "false");
            settings.put("smtpd.listen", "127.0.0.1:" + smtpdPort);
            settings.put("http.listen", "127.0.0.1:" + Ports.free());
            settings.put("smtpd.users", d.resolve("smtpd.users").toString());
            settings.put("plugins.dir", d.resolve("plugins").toString());
            settings.put("outbound.bounce_message", d.resolve("bounce_message.txt").toString());
            settings.put("topic.outbound_partitions", "4");
            settings.put("topic.partitions", "2");
            settings.put("scheduler.buckets", "1s,2s,5s");
            settings.put("outbound.temp_fail_intervals", "2s*3");
            settings.put("outbound.connect_timeout", "5s");
            settings.put("outbound.command_timeout", "15s");
            settings.put("outbound.data_timeout", "15s");
            settings.put("dns.timeout", "2s");
            settings.put("worker.shutdown_timeout", "5s");
            settings.put("outbound.allow_private", "true"); // every receiving server of a scenario is on 127.0.0.x
        }

        /** {@code dns.servers}, e.g. {@code 127.0.0.1:5353} of a KnotDns. */
        public Builder dns(String server) {
            return set("dns.servers", server);
        }

        /** {@code outbound.smtp_port}: where every receiving server of the scenario listens. */
        public Builder smtpPort(int port) {
            return set("outbound.smtp_port", String.valueOf(port));
        }

        public Builder set(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /** An environment variable of every process of this instance (e.g. for a test plugin). */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Outflow create() {
            return new Outflow(this);
        }
    }
}

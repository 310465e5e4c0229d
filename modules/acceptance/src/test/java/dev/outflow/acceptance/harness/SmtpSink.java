package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * Postfix's {@code smtp-sink} (Debian package {@code postfix}) as a real receiving MX: a child
 * process on a loopback address that accepts every message and dumps each one to a file
 * ({@code -d}), from which {@link #messages()} reads envelope and content. Extra flags go straight
 * to smtp-sink, e.g. {@code -r RCPT} (450 to every RCPT), {@code -f DATA} (5xx), {@code -L} (LMTP),
 * {@code -Q MAIL} (421 and hang up). Runs as {@code nobody} when this JVM is root (smtp-sink insists).
 *
 * <p>Thread-safe; {@link #close()} stops it (SIGTERM).
 */
public final class SmtpSink implements AutoCloseable {
    public static final String BINARY = "/usr/sbin/smtp-sink";

    /** One dumped message: envelope and content. */
    public record Message(Path file, String mailFrom, List<String> recipients, String content, String protocol) {}

    private final Process process;
    private final Path dumps;
    private final String address;
    private final int port;

    private SmtpSink(Process process, Path dumps, String address, int port) {
        this.process = process;
        this.dumps = dumps;
        this.address = address;
        this.port = port;
    }

    /**
     * Starts smtp-sink on {@code address:port} and waits until it accepts connections.
     *
     * @param dir   a directory of the scenario; dumps go to {@code dir/sink-ADDRESS}
     * @param flags extra smtp-sink flags (fault injection)
     */
    public static SmtpSink start(String address, int port, Path dir, String... flags) {
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new IllegalStateException(BINARY + " is missing: install the Debian package postfix (see .ci/run)");
        }
        Path dumps = dir.resolve("sink-" + address + "-" + port);
        try {
            Files.createDirectories(dumps);
            // smtp-sink drops to nobody and writes its dumps there.
            Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(BINARY, "-4", "-h", "sink." + address));
        if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("-u", "nobody"));
        cmd.addAll(List.of("-d", dumps.resolve("msg.").toString()));
        cmd.addAll(List.of(flags));
        cmd.add(address + ":" + port);
        cmd.add("256");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("sink-" + address + "-" + port + ".log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + BINARY, e);
        }
        SmtpSink sink = new SmtpSink(p, dumps, address, port);
        try {
            Awaitility.await("smtp-sink on " + address + ":" + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!p.isAlive()) throw new AssertionError("smtp-sink exited: " + String.join(" ", cmd));
                        return sink.accepts();
                    });
        } catch (RuntimeException | AssertionError e) {
            sink.close();
            throw e;
        }
        return sink;
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** Messages completely received so far (a dump still being written is left out). */
    public List<Message> messages() {
        List<Message> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dumps)) {
            for (Path f : files.sorted().toList()) {
                Message m = parse(f);
                if (m != null) out.add(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Messages received for one recipient. */
    public List<Message> messagesTo(String address) {
        return messages().stream().filter(m -> m.recipients().stream().anyMatch(r -> r.equalsIgnoreCase(address))).toList();
    }

    private static Message parse(Path f) throws IOException {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        // smtp-sink ends a dump with an empty line; before that the message is still arriving.
        if (!text.endsWith("\n\n")) return null;
        String from = null;
        String protocol = null;
        List<String> rcpts = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            if (nl < 0) break;
            String line = text.substring(pos, nl);
            if (line.startsWith("X-Mail-Args: ")) from = angle(line.substring(13));
            else if (line.startsWith("X-Rcpt-Args: ")) rcpts.add(angle(line.substring(13)));
            else if (line.startsWith("X-Client-Proto: ")) protocol = line.substring(16).strip();
            else if (line.startsWith("Received: ")) {
                // The three-line Received header ends smtp-sink's own headers.
                for (int i = 0; i < 3 && nl >= 0; i++) {
                    pos = nl + 1;
                    nl = text.indexOf('\n', pos);
                }
                break;
            }
            pos = nl + 1;
        }
        String content = pos < text.length() ? text.substring(pos) : "";
        return new Message(f, from, rcpts, content, protocol);
    }

    private static String angle(String args) {
        int lt = args.indexOf('<');
        int gt = args.indexOf('>', lt + 1);
        return lt >= 0 && gt > lt ? args.substring(lt + 1, gt) : args.strip();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

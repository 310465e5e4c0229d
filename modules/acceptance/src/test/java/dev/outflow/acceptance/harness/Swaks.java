package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code swaks} (Debian package {@code swaks}; STARTTLS needs {@code libio-socket-ssl-perl} and
 * {@code libnet-ssleay-perl}) as a real SMTP submission client. Each {@link #send()} is one
 * transaction; the result carries swaks' exit code (0 = accepted; 23 = MAIL, 24 = RCPT, 25 = DATA,
 * 28 = AUTH refused, 29 = TLS failed) and its transcript.
 *
 * <pre>{@code
 * Swaks.to("127.0.0.1", port).from("a@d2.test").rcpt("b@d3.test").tls().auth("alice", "secret").send();
 * }</pre>
 *
 * Not thread-safe (a builder).
 */
public final class Swaks {
    /** What swaks reported. */
    public record Result(int exitCode, String transcript) {
        public boolean accepted() {
            return exitCode == 0;
        }

        /** The server's replies (lines starting with {@code <-} or {@code <~}, for TLS). */
        public List<String> serverLines() {
            return transcript.lines().filter(l -> l.startsWith("<-") || l.startsWith("<~") || l.startsWith("<**") || l.startsWith("<~*"))
                    .toList();
        }
    }

    private final List<String> args = new ArrayList<>();
    private final List<String> rcpts = new ArrayList<>();

    private Swaks(String host, int port) {
        args.addAll(List.of("swaks", "--server", host + ":" + port, "--timeout", "30s", "--helo", "acceptance.client.test"));
    }

    public static Swaks to(String host, int port) {
        return new Swaks(host, port);
    }

    public Swaks from(String address) {
        args.addAll(List.of("--from", address));
        return this;
    }

    public Swaks rcpt(String address) {
        rcpts.add(address);
        return this;
    }

    /** STARTTLS (required: swaks fails when the server does not offer it). */
    public Swaks tls() {
        args.add("--tls");
        return this;
    }

    public Swaks auth(String user, String password) {
        args.addAll(List.of("--auth", "PLAIN", "--auth-user", user, "--auth-password", password));
        return this;
    }

    /** Connect from this local address (e.g. 127.0.0.5, to be inside or outside a relay network). */
    public Swaks localAddress(String address) {
        args.addAll(List.of("--local-interface", address));
        return this;
    }

    public Swaks header(String name, String value) {
        args.addAll(List.of("--header", name + ": " + value));
        return this;
    }

    public Swaks body(String text) {
        args.addAll(List.of("--body", text));
        return this;
    }

    public Result send() {
        List<String> cmd = new ArrayList<>(args);
        cmd.addAll(List.of("--to", String.join(",", rcpts)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("swaks did not finish: " + cmd);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run swaks (apt-get install swaks)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

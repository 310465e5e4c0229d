package dev.outflow.bench.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postfix's {@code smtp-sink} as the receiving MX of every relay under test: accepts and discards
 * every message, counting them ({@code -c}: a running {@code mesg=N} counter written to its log as
 * one CR-separated stream). {@link #count()} reads the last counter from the log's tail.
 * Thread-safe.
 */
final class Sink implements AutoCloseable {
    static final String BINARY = "/usr/sbin/smtp-sink";
    private static final Pattern MESG = Pattern.compile("mesg=(\\d+)");

    private final Process process;
    private final Path log;
    final String address;
    final int port;

    private Sink(Process process, Path log, String address, int port) {
        this.process = process;
        this.log = log;
        this.address = address;
        this.port = port;
    }

    static Sink start(String address, int port, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(BINARY, "-4", "-c"));
        if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("-u", "nobody"));
        cmd.add(address + ":" + port);
        cmd.add("1000");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Sink s = new Sink(p, log, address, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!s.accepts()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                s.close();
                throw new IOException("smtp-sink did not start on " + address + ":" + port + " (see " + log + ")");
            }
            Thread.sleep(50);
        }
        return s;
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    long pid() {
        return process.pid();
    }

    /** Messages received so far. */
    long count() {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 400);
            byte[] tail = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(tail);
            Matcher m = MESG.matcher(new String(tail, StandardCharsets.US_ASCII));
            long last = 0;
            while (m.find()) last = Long.parseLong(m.group(1));
            return last;
        } catch (IOException e) {
            return 0;
        }
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

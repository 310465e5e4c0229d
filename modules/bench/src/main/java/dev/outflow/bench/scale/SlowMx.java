package dev.outflow.bench.scale;

import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The receiving side of the scaling benchmark: one SMTP server on a loopback address that takes
 * {@code latency} to answer the final dot of every message, as a remote MX across the internet
 * does, so a worker's throughput is bound by its connections, not its CPU. Samples its message
 * count every {@link #SAMPLE} to find stalls. Thread-safe.
 */
final class SlowMx implements AutoCloseable {
    static final Duration SAMPLE = Duration.ofMillis(100);
    private static final Pattern SEQ = Pattern.compile("(?m)^X-Scale-Seq: (\\S+)\\r?$");

    private final FakeMx mx;
    private final List<long[]> samples = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean closed;

    SlowMx(String address, int port, Duration latency) throws IOException {
        this.mx = FakeMx.builder().bind(address).port(port).delay(Command.END_OF_DATA, latency).start();
        this.sampler = Thread.ofPlatform().daemon().name("slowmx-sampler").start(() -> {
            while (!closed) {
                synchronized (samples) {
                    samples.add(new long[] {System.nanoTime(), mx.messages()});
                }
                try {
                    Thread.sleep(SAMPLE);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    long messages() {
        return mx.messages();
    }

    /** Nanotime at which the count first reached {@code n}, or -1. */
    long timeOf(long n) {
        synchronized (samples) {
            for (long[] s : samples) if (s[1] >= n) return s[0];
        }
        return -1;
    }

    /** The longest time in which the count did not move while it was between {@code from} (exclusive) and {@code to}. */
    Duration longestStall(long from, long to) {
        long longest = 0;
        long since = -1;
        long last = -1;
        synchronized (samples) {
            for (long[] s : samples) {
                if (s[1] <= from) continue;
                if (s[1] >= to) break;
                if (s[1] != last) {
                    if (since >= 0) longest = Math.max(longest, s[0] - since);
                    since = s[0];
                    last = s[1];
                }
            }
        }
        return Duration.ofNanos(longest);
    }

    /** How many times each sequence number of a run arrived (header {@code X-Scale-Seq: RUN-N}). */
    Map<String, Integer> arrivals(String run) {
        Map<String, Integer> out = new HashMap<>();
        for (ReceivedMessage m : mx.received()) {
            Matcher x = SEQ.matcher(m.text());
            if (x.find() && x.group(1).startsWith(run + "-")) out.merge(x.group(1), 1, Integer::sum);
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
        mx.close();
    }
}

package dev.outflow.bench.e2e;

import java.time.Duration;

/**
 * Samples the summed RSS and PSS of a process tree every {@code interval} on a daemon thread and
 * keeps the peaks. Start it with the relay, {@link #close()} it after the run. Thread-safe.
 */
final class MemorySampler implements AutoCloseable {
    private final long root;
    private final Thread thread;
    private volatile boolean stop;
    private volatile long peakRssKib;
    private volatile long peakPssKib;

    MemorySampler(long root, Duration interval) {
        this.root = root;
        this.thread = Thread.ofPlatform().daemon().name("mem-sampler-" + root).start(() -> {
            while (!stop) {
                long[] m = ProcStat.treeMemoryKib(root);
                if (m[0] > peakRssKib) peakRssKib = m[0];
                if (m[1] > peakPssKib) peakPssKib = m[1];
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    long peakRssMib() {
        return peakRssKib / 1024;
    }

    long peakPssMib() {
        return peakPssKib / 1024;
    }

    /** Resets the peaks (between a cold and a warm run). */
    void reset() {
        peakRssKib = 0;
        peakPssKib = 0;
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
    }

    @Override
    public String toString() {
        return "MemorySampler[" + root + "]";
    }
}

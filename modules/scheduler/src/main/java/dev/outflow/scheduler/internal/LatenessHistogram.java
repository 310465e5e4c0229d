package dev.outflow.scheduler.internal;

import dev.outflow.scheduler.SchedulerStats;

/**
 * Distribution of release lateness (release time minus {@code notBefore}, in ms) with 1 ms
 * resolution up to {@value #EXACT_MS} ms and 1 s resolution above (up to a day; later is counted
 * as a day, the maximum stays exact). Records that left early are counted apart: the scheduler
 * promises there are none. Thread-safe (synchronized; one writer, occasional readers).
 */
public final class LatenessHistogram {
    static final int EXACT_MS = 10_000;
    private static final int COARSE_SLOTS = 86_400;

    private final long[] fine = new long[EXACT_MS];
    private final long[] coarse = new long[COARSE_SLOTS];
    private long count;
    private long sum;
    private long max;
    private long early;

    public synchronized void record(long latenessMs) {
        if (latenessMs < 0) {
            early++;
            return;
        }
        if (latenessMs < EXACT_MS) {
            fine[(int) latenessMs]++;
        } else {
            coarse[(int) Math.min(COARSE_SLOTS - 1, latenessMs / 1000)]++;
        }
        count++;
        sum += latenessMs;
        max = Math.max(max, latenessMs);
    }

    public synchronized SchedulerStats.Lateness snapshot() {
        return new SchedulerStats.Lateness(count, percentile(0.50), percentile(0.90), percentile(0.99), max,
                count == 0 ? 0 : (double) sum / count, early);
    }

    private long percentile(double p) {
        if (count == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p * count);
        long seen = 0;
        for (int i = 0; i < EXACT_MS; i++) {
            seen += fine[i];
            if (seen >= rank) {
                return i;
            }
        }
        for (int i = 0; i < COARSE_SLOTS; i++) {
            seen += coarse[i];
            if (seen >= rank) {
                return Math.min(max, i * 1000L + 999);
            }
        }
        return max;
    }
}

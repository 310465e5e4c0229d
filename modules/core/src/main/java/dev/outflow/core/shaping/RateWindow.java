package dev.outflow.core.shaping;

import java.util.Arrays;

/**
 * At most {@code n} takes in any window of {@code unitMillis}: a token bucket of {@code n} tokens in
 * which each spent token comes back exactly one unit after it was spent (a sliding log of the last
 * n takes). Unlike a bucket refilled at a constant rate, it never lets 2n through in one sliding
 * window, which is what a provider's "n per minute" means. Not thread-safe (the caller locks).
 */
public final class RateWindow {
    private final long[] taken;
    private final long unitMillis;
    private int oldest;

    public RateWindow(int n, long unitMillis) {
        if (n < 1 || unitMillis < 1) throw new IllegalArgumentException("rate " + n + " per " + unitMillis + " ms");
        this.taken = new long[n];
        Arrays.fill(taken, Long.MIN_VALUE);
        this.unitMillis = unitMillis;
    }

    /** Takes a token at {@code now} (epoch ms) if one is free. */
    public boolean tryTake(long now) {
        if (waitMillis(now) > 0) return false;
        charge(now);
        return true;
    }

    /** Records a take whether or not a token was free (a delivery that happened anyway). */
    public void charge(long now) {
        taken[oldest] = now;
        oldest = (oldest + 1) % taken.length;
    }

    /** How long until a token is free; 0 when one is. */
    public long waitMillis(long now) {
        long t = taken[oldest];
        if (t == Long.MIN_VALUE) return 0;
        return Math.max(0, t + unitMillis - now);
    }

    /** Average time between takes at the full rate, in ms (at least 1). */
    public long gapMillis() {
        return Math.max(1, unitMillis / taken.length);
    }
}

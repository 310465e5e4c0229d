package dev.outflow.app;

import java.time.Duration;

/** Durations as operators read them in command output: {@code 45s}, {@code 3m04s}, {@code 2h05m}, {@code 3d04h}. */
final class Durations {
    private Durations() {
    }

    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) return s + "s";
        if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
        if (s < 86400) return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        return String.format("%dd%02dh", s / 86400, s % 86400 / 3600);
    }
}

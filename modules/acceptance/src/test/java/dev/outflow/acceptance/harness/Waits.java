package dev.outflow.acceptance.harness;

import java.time.Duration;

/** The polling pause of the harness' own wait loops (what Awaitility does between checks). */
final class Waits {
    private Waits() {}

    static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

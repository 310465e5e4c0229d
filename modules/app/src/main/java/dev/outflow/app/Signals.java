package dev.outflow.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGHUP handling: Haraka flushes its retry queue on SIGHUP; Outflow writes a FLUSH control record. */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /** Runs {@code onHup} (on a fresh thread) each time the process receives SIGHUP. */
    @SuppressWarnings("removal")
    static void onHangup(Runnable onHup) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> Thread.ofVirtual().name("sighup").start(() -> {
                try {
                    onHup.run();
                } catch (RuntimeException e) {
                    log.error("SIGHUP handling failed", e);
                }
            }));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("SIGHUP cannot be handled on this platform ({}); use 'outflow flush'", e.getMessage());
        }
    }
}

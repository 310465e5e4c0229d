package dev.outflow.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGHUP handling: Haraka flushes its retry queue on SIGHUP; Outflow writes a FLUSH control record. */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /**
     * Runs {@code onHup} (on a fresh thread) each time the process receives SIGHUP. Returns false,
     * with a warning, when SIGHUP cannot be caught: the JVM leaves a signal alone that was ignored
     * when the process started (nohup, or a service manager that ignores it), so {@code kill -HUP}
     * would do nothing, silently. {@code bin/outflow} restores it for the long-running commands.
     */
    @SuppressWarnings("removal")
    static boolean onHangup(Runnable onHup) {
        try {
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"),
                    s -> Thread.ofPlatform().name("sighup").start(() -> {
                        log.info("SIGHUP received: flushing the retry queue");
                        try {
                            onHup.run();
                        } catch (RuntimeException e) {
                            log.error("SIGHUP handling failed", e);
                        }
                    }));
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                log.warn("SIGHUP is ignored by this process (it was started with SIGHUP ignored, e.g. under nohup): "
                        + "'kill -HUP' does not flush; use 'outflow flush'");
                return false;
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("SIGHUP cannot be handled on this platform ({}); use 'outflow flush'", e.getMessage());
            return false;
        }
    }
}

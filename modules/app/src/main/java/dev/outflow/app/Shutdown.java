package dev.outflow.app;

import java.util.concurrent.CountDownLatch;

/**
 * Blocks the main thread of a long-running command until Ctrl-C or SIGTERM. The JVM runs shutdown
 * hooks on those signals; the hook releases the latch and then waits until the command has
 * stopped its services, so the process exits only after a clean stop.
 */
final class Shutdown {
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);

    Shutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            requested.countDown();
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "outflow-shutdown"));
    }

    /** Waits for a stop signal. */
    void await() throws InterruptedException {
        requested.await();
    }

    /** Asks for a stop from inside the process (e.g. a fatal component failure). */
    void request() {
        requested.countDown();
    }

    /** Tells the shutdown hook that the services are stopped. */
    void done() {
        finished.countDown();
    }
}

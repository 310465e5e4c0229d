package dev.outflow.worker.internal;

import dev.outflow.stage.StageTransaction;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the transactions on their own platform thread, one batch at a time, so the poll loop keeps
 * polling and dispatching while a commit waits for the broker; the next batch fills meanwhile and
 * goes as soon as the previous one is done (batches grow with commit latency). The poll thread
 * submits with {@link #submit} when {@link #idle()} and takes results with {@link #poll}/{@link #await}.
 */
final class CommitPipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommitPipeline.class);
    private static final long SLOW_COMMIT_MS = 1_000;

    private final StageTransaction<Job> tx;
    private final ArrayBlockingQueue<Batch> requests = new ArrayBlockingQueue<>(1);
    private final LinkedTransferQueue<Batch> results = new LinkedTransferQueue<>();
    private final Thread thread;
    private volatile boolean stopping;
    /** Poll thread's view: submitted and its result not yet taken. */
    private Batch inFlight;

    CommitPipeline(StageTransaction<Job> tx, String name) {
        this.tx = tx;
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    }

    /** Initialises transactions on the calling thread, then starts the commit thread. */
    void start() {
        tx.init();
        thread.start();
    }

    private void run() {
        try {
            while (!stopping) {
                Batch b = requests.poll(100, TimeUnit.MILLISECONDS);
                if (b == null) continue;
                long started = System.nanoTime();
                try {
                    b.result = tx.commit(b.jobs, b.offsets, b.group);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    // Everything delivered meanwhile is redelivered if this worker dies now: worth a line.
                    if (ms >= SLOW_COMMIT_MS) log.info("Commit of {} job(s) took {} ms ({})", b.jobs.size(), ms, b.result);
                } catch (RuntimeException e) {
                    if (stopping) return;
                    log.error("Commit of {} job(s) failed unexpectedly; will retry", b.jobs.size(), e);
                    b.result = StageTransaction.Result.RETRY_LATER;
                }
                results.add(b);
            }
        } catch (InterruptedException | InterruptException e) {
            // halted
        }
    }

    boolean idle() {
        return inFlight == null;
    }

    void submit(Batch b) {
        if (inFlight != null) throw new IllegalStateException("a batch is already being committed");
        inFlight = b;
        requests.add(b);
    }

    /** The finished batch, or null when none finished yet. */
    Batch poll() {
        Batch b = results.poll();
        if (b != null) inFlight = null;
        return b;
    }

    /** Waits for the batch in flight; null when none finished within the timeout. */
    Batch await(Duration timeout) {
        try {
            Batch b = results.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (b != null) inFlight = null;
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** Stops as a crash would: the producer is closed whatever it was doing. */
    void halt() {
        stopping = true;
        tx.halt();
        thread.interrupt();
        join();
    }

    /** Stops the commit thread (after the batch in flight) and closes the producer. */
    @Override
    public void close() {
        stopping = true;
        join();
        tx.close();
    }

    private void join() {
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.outflow.acceptance.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Outflow as separate processes, the way it runs on several machines: the embedded broker
 * ({@code outflow broker}), the retry scheduler, N delivery workers (one consumer group, each with
 * its own {@code worker.id}) and the SMTP submission listener, all with the same config file (they
 * find the broker through {@code data.dir}) and each with its own {@code http.listen}. Any of them
 * can be killed ({@code kill -9}) and restarted, the broker included.
 *
 * <p>Not thread-safe: one thread drives it. {@link #close()} stops everything (SIGTERM).
 */
public final class Cluster implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(180);

    private final Outflow outflow;
    private final OutflowProcess broker;
    private final OutflowProcess scheduler;
    private final List<OutflowProcess> workers = new ArrayList<>();
    private final OutflowProcess smtpd;

    private Cluster(Outflow outflow, int workerCount, boolean embeddedBroker) {
        this.outflow = outflow;
        this.broker = embeddedBroker ? outflow.start("broker").awaitOutput("broker listening on", START) : null;
        outflow.run("topics", "create").requireSuccess();
        this.scheduler = outflow.start("scheduler", http()).awaitOutput("scheduler  ", START);
        for (int i = 1; i <= workerCount; i++) {
            workers.add(outflow.start("worker", "--set", "worker.id=worker-" + i, "--set", "http.listen=127.0.0.1:" + Ports.free())
                    .awaitOutput("worker     ", START));
        }
        this.smtpd = outflow.start("smtpd", http()).awaitOutput("smtpd      ", START);
    }

    private static String[] http() {
        return new String[] {"--set", "http.listen=127.0.0.1:" + Ports.free()};
    }

    /** Starts broker, topics, scheduler, workers and smtpd, each waited for. */
    public static Cluster start(Outflow outflow, int workers) {
        return new Cluster(outflow, workers, true);
    }

    /** Topics, scheduler, workers and smtpd against the cluster of {@code kafka.bootstrap.servers} (no broker process). */
    public static Cluster external(Outflow outflow, int workers) {
        return new Cluster(outflow, workers, false);
    }

    /** Every long-running process of this cluster. */
    public List<OutflowProcess> processes() {
        List<OutflowProcess> all = new ArrayList<>();
        if (broker != null) all.add(broker);
        all.add(scheduler);
        all.addAll(workers);
        all.add(smtpd);
        return all;
    }

    public Outflow outflow() {
        return outflow;
    }

    public OutflowProcess broker() {
        return broker;
    }

    public OutflowProcess scheduler() {
        return scheduler;
    }

    public OutflowProcess worker(int i) {
        return workers.get(i - 1);
    }

    public List<OutflowProcess> workers() {
        return List.copyOf(workers);
    }

    public OutflowProcess smtpd() {
        return smtpd;
    }

    /** Restarts a stopped or killed worker with the same id and waits until it runs. */
    public OutflowProcess restartWorker(int i) {
        return worker(i).restart().awaitOutput("worker     ", START);
    }

    /** Restarts the broker (after stop or kill) and waits until it listens again. */
    public OutflowProcess restartBroker() {
        return broker.restart().awaitOutput("broker listening on", START);
    }

    @Override
    public void close() {
        // Clients before the broker, so that they can commit on the way out.
        outflow.closeEvents();
        smtpd.stop();
        for (OutflowProcess w : workers) w.stop();
        scheduler.stop();
        if (broker != null) broker.stop();
    }
}

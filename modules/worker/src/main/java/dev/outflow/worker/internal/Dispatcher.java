package dev.outflow.worker.internal;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts deliveries on virtual threads within two limits: deliveries in progress in total
 * ({@code outbound.concurrency_max}) and per domain ({@code outbound.domain_concurrency}). Waiting
 * jobs queue per domain; domains with waiting jobs and a free slot take turns (round robin), so a
 * domain with many waiting records does not starve the others. Finished jobs come back through a
 * queue that the poll thread drains with {@link #nextCompleted(long)}.
 *
 * <p>Poll thread only, except {@link #running()} (any thread) and the completion queue (delivery
 * threads add to it).
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** Waiting jobs and running count of one domain. */
    private static final class Domain {
        final String name;
        final ArrayDeque<Job> queue = new ArrayDeque<>();
        /** Jobs in {@link #queue} still WAITING (parked or abandoned ones are skipped lazily). */
        int waiting;
        int running;
        boolean inTurn;

        Domain(String name) {
            this.name = name;
        }

        Job pollWaiting() {
            Job j;
            while ((j = queue.pollFirst()) != null) {
                if (j.state == Job.State.WAITING) {
                    waiting--;
                    return j;
                }
            }
            return null;
        }
    }

    private final Map<String, Domain> domains = new HashMap<>();
    private final ArrayDeque<Domain> turns = new ArrayDeque<>();
    private final LinkedTransferQueue<Job> completed = new LinkedTransferQueue<>();
    private final Consumer<Job> task;
    private final ThreadFactory threads;
    private volatile int running;

    /** @param task runs one job on its own virtual thread; must set the job's outputs and not throw */
    Dispatcher(Consumer<Job> task) {
        this.task = task;
        this.threads = Thread.ofVirtual().name("outflow-delivery-", 0).factory();
    }

    /** Queues a WAITING job for its domain. */
    void enqueue(Job j) {
        Domain d = domains.get(j.domain);
        if (d == null) {
            d = new Domain(j.domain);
            domains.put(j.domain, d);
        }
        d.queue.addLast(j);
        d.waiting++;
        if (!d.inTurn) {
            d.inTurn = true;
            turns.addLast(d);
        }
    }

    /**
     * Starts waiting jobs while both limits allow.
     *
     * @return how many were started
     */
    int dispatch(int maxRunning, int maxPerDomain) {
        int started = 0;
        while (running < maxRunning && !turns.isEmpty()) {
            Domain d = turns.pollFirst();
            d.inTurn = false;
            if (d.running >= maxPerDomain) {
                continue; // back in turn when one of its deliveries finishes
            }
            Job j = d.pollWaiting();
            if (j == null) {
                forgetIfIdle(d);
                continue;
            }
            start(j);
            d.running++;
            started++;
            if (d.waiting > 0 && d.running < maxPerDomain) {
                d.inTurn = true;
                turns.addLast(d);
            }
        }
        return started;
    }

    private void start(Job j) {
        j.state = Job.State.RUNNING;
        running++;
        Thread t = threads.newThread(() -> {
            try {
                task.accept(j);
            } catch (Throwable e) {
                j.failure = e;
                log.error("Delivery task failed for {}", j, e);
            } finally {
                completed.add(j);
            }
        });
        t.start();
    }

    /**
     * The next job whose delivery thread finished, waiting up to {@code timeoutMillis} (0: no
     * wait); null when none. Frees its slots.
     */
    Job nextCompleted(long timeoutMillis) throws InterruptedException {
        Job j = timeoutMillis <= 0 ? completed.poll() : completed.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (j != null) release(j);
        return j;
    }

    private void release(Job j) {
        running--;
        Domain d = domains.get(j.domain);
        if (d == null) return;
        d.running--;
        if (d.waiting > 0 && !d.inTurn) {
            d.inTurn = true;
            turns.addLast(d);
        } else {
            forgetIfIdle(d);
        }
    }

    /** A WAITING job leaves the queue without running (parked or abandoned); call before changing its state. */
    void withdraw(Job j) {
        Domain d = domains.get(j.domain);
        if (d != null && j.state == Job.State.WAITING) d.waiting--;
    }

    private void forgetIfIdle(Domain d) {
        if (d.running == 0 && d.waiting == 0 && !d.inTurn) {
            d.queue.clear();
            domains.remove(d.name);
        }
    }

    /** Deliveries to this domain in progress. */
    int running(String domain) {
        Domain d = domains.get(domain);
        return d == null ? 0 : d.running;
    }

    /** Jobs of this domain waiting for a slot. */
    int waiting(String domain) {
        Domain d = domains.get(domain);
        return d == null ? 0 : d.waiting;
    }

    /** Deliveries in progress (any thread). */
    int running() {
        return running;
    }
}

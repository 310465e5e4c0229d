package dev.outflow.worker.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs deliveries on virtual threads within two limits: deliveries in progress in total
 * ({@code outbound.concurrency_max}) and per domain ({@code outbound.domain_concurrency}). Waiting
 * jobs queue per domain; domains with waiting jobs and a free slot take turns (round robin), so a
 * domain with many waiting records does not starve the others.
 *
 * <p>With a {@link Shaper}, the "domain" is a destination: the domain, or the shaping rule it falls
 * under (so domains at one provider share its limit); its connection limit is the rule's, and a
 * job starts only with a rate token and while the destination is not suspended. A destination
 * held back that way leaves the round robin until the next {@link #dispatch()}.
 *
 * <p>A delivery thread that finishes takes the next startable job itself, so a freed slot is
 * refilled at once rather than on the poll thread's next turn; the poll thread starts jobs with
 * {@link #dispatch()} after taking records and collects finished jobs with
 * {@link #nextCompleted(long)}. While {@link #limits holding}, nothing new starts.
 *
 * <p>Thread-safe: queues and counts are guarded by one lock, held only for bookkeeping.
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** How long a busy domain may go without any completion before it counts as slow. */
    static final long STARTUP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Waiting jobs and running count of one domain; guarded by the lock. */
    private static final class Domain {
        final String name;
        final ArrayDeque<Job> queue = new ArrayDeque<>();
        /** Jobs in {@link #queue} still WAITING (parked or abandoned ones are skipped lazily). */
        int waiting;
        int running;
        boolean inTurn;
        /** Held back by its shaping rule (rate or suspension); back in turn at the next {@link #dispatch()}. */
        boolean blocked;
        /** End of the last delivery, or start of the current busy period (nanoTime). */
        long lastCompletion;
        /** Smoothed time between completions while busy, 0 until the first one. */
        long completionGap;
        /** Completions since the domain became busy. */
        int completions;

        Domain(String name) {
            this.name = name;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Domain> domains = new HashMap<>();
    private final ArrayDeque<Domain> turns = new ArrayDeque<>();
    private final ArrayDeque<Domain> blocked = new ArrayDeque<>();
    /** Per-destination rules; null: only the per-domain connection limit. */
    private final Shaper shaper;
    private final LinkedTransferQueue<Job> completed = new LinkedTransferQueue<>();
    private final Consumer<Job> task;
    private final ThreadFactory threads;
    private final LongSupplier nanoTime;
    private volatile int running;
    private volatile int maxRunning = 1;
    private volatile int maxPerDomain = 1;
    private volatile boolean holding;

    /** @param task runs one job on a virtual thread; must set the job's outputs and not throw */
    Dispatcher(Consumer<Job> task) {
        this(task, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock of the completion-rate estimate (tests) */
    Dispatcher(Consumer<Job> task, LongSupplier nanoTime) {
        this(task, nanoTime, null);
    }

    /** @param shaper per-destination rules: keys, connections, rates, suspensions (null: none) */
    Dispatcher(Consumer<Job> task, LongSupplier nanoTime, Shaper shaper) {
        this.task = task;
        this.nanoTime = nanoTime;
        this.shaper = shaper;
        this.threads = Thread.ofVirtual().name("outflow-delivery-", 0).factory();
    }

    /** Sets the limits (hot config) and whether new deliveries are held back (pause, shutdown). */
    void limits(int maxRunning, int maxPerDomain, boolean holding) {
        this.maxRunning = maxRunning;
        this.maxPerDomain = maxPerDomain;
        this.holding = holding;
    }

    /** Queues a WAITING job for its destination (its domain, or the shaping rule it falls under). */
    void enqueue(Job j) {
        j.shapeKey = shaper == null ? j.domain : shaper.keyOf(j.domain);
        lock.lock();
        try {
            Domain d = domains.get(j.shapeKey);
            if (d == null) {
                d = new Domain(j.shapeKey);
                domains.put(j.shapeKey, d);
            }
            d.queue.addLast(j);
            d.waiting++;
            if (!d.inTurn) {
                d.inTurn = true;
                turns.addLast(d);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts waiting jobs while the limits allow (nothing while holding).
     *
     * @return how many were started
     */
    int dispatch() {
        if (holding) return 0;
        List<Job> start = null;
        lock.lock();
        try {
            Domain b;
            while ((b = blocked.pollFirst()) != null) {
                b.blocked = false;
                // its MX may have been looked up meanwhile: its records may belong under an MX suffix rule
                if (b.waiting > 0 && !b.name.startsWith("*.")) rekey(b, b.name);
                if (b.waiting > 0 && !b.inTurn) {
                    b.inTurn = true;
                    turns.addLast(b);
                } else {
                    forgetIfIdle(b);
                }
            }
            Job j;
            while ((j = nextLocked()) != null) {
                if (start == null) start = new ArrayList<>();
                start.add(j);
            }
        } finally {
            lock.unlock();
        }
        if (start == null) return 0;
        for (Job j : start) threads.newThread(() -> run(j)).start();
        return start.size();
    }

    /** The next startable job, marked RUNNING and counted; null when the limits or the queues say none. */
    private Job nextLocked() {
        int perDomain = maxPerDomain;
        while (running < maxRunning && !turns.isEmpty()) {
            Domain d = turns.pollFirst();
            d.inTurn = false;
            int limit = limit(d, perDomain);
            if (d.running >= limit) continue; // back in turn when one of its deliveries finishes
            Job j = pollWaiting(d);
            if (j == null) {
                forgetIfIdle(d);
                continue;
            }
            if (shaper != null && !shaper.tryStart(d.name, !j.held)) {
                j.held = true;
                d.queue.addFirst(j);
                d.waiting++;
                if (!d.blocked) {
                    d.blocked = true;
                    blocked.addLast(d);
                }
                continue;
            }
            if (d.running == 0) d.lastCompletion = nanoTime.getAsLong(); // a busy period starts
            d.running++;
            running++;
            j.state = Job.State.RUNNING;
            if (d.waiting > 0 && d.running < limit) {
                d.inTurn = true;
                turns.addLast(d);
            }
            return j;
        }
        return null;
    }

    private static Job pollWaiting(Domain d) {
        Job j;
        while ((j = d.queue.pollFirst()) != null) {
            if (j.state == Job.State.WAITING) {
                d.waiting--;
                return j;
            }
        }
        return null;
    }

    /** A delivery thread: runs its job, then keeps taking startable jobs until there is none. */
    private void run(Job first) {
        Job j = first;
        while (j != null) {
            try {
                task.accept(j);
            } catch (Throwable e) {
                j.failure = e;
                log.error("Delivery task failed for {}", j, e);
            }
            Job next = null;
            lock.lock();
            try {
                release(j);
                if (!holding) next = nextLocked();
            } finally {
                lock.unlock();
            }
            completed.add(j);
            j = next;
        }
    }

    private int limit(Domain d, int perDomain) {
        return shaper == null ? perDomain : shaper.maxConnections(d.name, perDomain);
    }

    private void release(Job j) {
        running--;
        Domain d = domains.get(j.shapeKey);
        if (d == null) return;
        d.running--;
        long now = nanoTime.getAsLong();
        long gap = now - d.lastCompletion;
        d.completionGap = d.completionGap == 0 ? gap : (3 * d.completionGap + gap) / 4;
        d.lastCompletion = now;
        d.completions++;
        if (shaper != null && d.waiting > 0 && d.name.equals(j.domain)) rekey(d, j.domain);
        if (d.waiting > 0 && !d.inTurn && !d.blocked) {
            d.inTurn = true;
            turns.addLast(d);
        } else {
            forgetIfIdle(d);
        }
    }

    /**
     * Moves the waiting jobs of a domain to the destination it turned out to belong to (its MX,
     * learned from the delivery that just finished, matches an MX suffix rule), so they share that
     * rule from now on rather than run under the domain's own key.
     */
    private void rekey(Domain d, String domain) {
        String key = shaper.keyOf(domain);
        if (key.equals(d.name)) return;
        Domain to = domains.get(key);
        if (to == null) {
            to = new Domain(key);
            domains.put(key, to);
        }
        for (var it = d.queue.iterator(); it.hasNext(); ) {
            Job w = it.next();
            if (w.state != Job.State.WAITING) continue;
            it.remove();
            d.waiting--;
            w.shapeKey = key;
            to.queue.addLast(w);
            to.waiting++;
        }
        if (to.waiting > 0 && !to.inTurn && !to.blocked) {
            to.inTurn = true;
            turns.addLast(to);
        }
    }

    /**
     * The next job whose delivery finished, waiting up to {@code timeoutMillis} (0: no wait); null
     * when none. Its slots are already free.
     */
    Job nextCompleted(long timeoutMillis) throws InterruptedException {
        return timeoutMillis <= 0 ? completed.poll() : completed.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes a WAITING job out of its queue without running it (parked or abandoned).
     *
     * @return false when it is no longer waiting (a delivery thread just started it)
     */
    boolean withdraw(Job j, Job.State to) {
        lock.lock();
        try {
            if (j.state != Job.State.WAITING) return false;
            Domain d = domains.get(j.shapeKey);
            if (d != null) d.waiting--;
            j.state = to;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void forgetIfIdle(Domain d) {
        if (d.running == 0 && d.waiting == 0 && !d.inTurn && !d.blocked) {
            d.queue.clear();
            domains.remove(d.name);
        }
    }

    /**
     * Waiting jobs of saturated domains (at their limit) that are expected to wait longer than
     * {@code maxWaitNanos} for a slot: the k-th waiting job of a domain (from 0) waits about
     * {@code (k + 1) × gap}, where gap is the domain's smoothed time between completions, or the
     * time since its last completion divided by its running deliveries when that is longer (a
     * stalled domain looks slower and slower). Until a domain has completed two rounds of its
     * limit, only a quiet spell longer than {@link #STARTUP_GRACE_NANOS} counts, so the slow first
     * deliveries of a cold start park nothing.
     */
    List<Job> longWaiters(long maxWaitNanos) {
        List<Job> out = new ArrayList<>();
        int perDomain = maxPerDomain;
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            for (Domain d : domains.values()) {
                if (d.waiting == 0) continue;
                int limit = limit(d, perDomain);
                long rateGap = shaper == null ? 0 : shaper.rateGapNanos(d.name);
                long gap;
                if (d.running < limit) {
                    if (rateGap == 0) continue;
                    gap = rateGap; // waiting for its rate, not for a connection
                } else {
                    long quiet = now - d.lastCompletion;
                    // The first rounds include connection set-up (and a cold JIT): not a rate to trust yet.
                    boolean measured = d.completions >= 2 * limit;
                    if (!measured && quiet < STARTUP_GRACE_NANOS) continue;
                    // n deliveries running for t without one finishing: at best one finishes every t / n
                    gap = quiet / Math.max(1, d.running);
                    if (measured) gap = Math.max(gap, d.completionGap);
                    gap = Math.max(gap, rateGap);
                }
                if (gap <= 0 || (long) d.waiting * gap <= maxWaitNanos) continue;
                long k = 0;
                for (Job j : d.queue) {
                    if (j.state != Job.State.WAITING) continue;
                    if ((k + 1) * gap > maxWaitNanos) out.add(j);
                    k++;
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /**
     * Waiting jobs of suspended destinations ({@link Shaper#suspendedUntil}), each with the time its
     * destination may be tried again.
     */
    List<Map.Entry<Job, java.time.Instant>> suspendedWaiters() {
        if (shaper == null) return List.of();
        List<Map.Entry<Job, java.time.Instant>> out = new ArrayList<>();
        lock.lock();
        try {
            for (Domain d : domains.values()) {
                if (d.waiting == 0) continue;
                java.time.Instant until = shaper.suspendedUntil(d.name);
                if (until == null) continue;
                for (Job j : d.queue) if (j.state == Job.State.WAITING) out.add(Map.entry(j, until));
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** Deliveries to this domain (destination key) in progress. */
    int running(String domain) {
        lock.lock();
        try {
            Domain d = domains.get(domain);
            return d == null ? 0 : d.running;
        } finally {
            lock.unlock();
        }
    }

    /** Jobs of this domain waiting for a slot. */
    int waiting(String domain) {
        lock.lock();
        try {
            Domain d = domains.get(domain);
            return d == null ? 0 : d.waiting;
        } finally {
            lock.unlock();
        }
    }

    /** Deliveries in progress (any thread). */
    int running() {
        return running;
    }
}

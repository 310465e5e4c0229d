package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Limits, turns, chaining and the long-waiter estimate of the dispatcher; each job runs until its gate opens. */
class DispatcherTest {
    private static final long TEN_SECONDS = 10_000_000_000L;

    private final PartitionWindow w = new PartitionWindow(Jobs.TP);
    private final Map<Long, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Dispatcher dispatcher = new Dispatcher(j -> {
        ran.add(j.domain + "@" + j.offset());
        try {
            gate(j.offset()).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }, now::get);

    @AfterEach
    void openAllGates() {
        for (long i = 0; i < 20; i++) gate(i).countDown();
    }

    @Test
    void respectsTheGlobalAndPerDomainLimitsAndTakesTurns() throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) jobs.add(enqueue(i, "a.test"));
        for (int i = 5; i < 8; i++) jobs.add(enqueue(i, "b.test"));

        dispatcher.limits(3, 2, false);
        assertThat(dispatcher.dispatch()).isEqualTo(3);
        assertThat(dispatcher.running()).isEqualTo(3);
        assertThat(dispatcher.dispatch()).isZero();
        // Raised (hot) global limit: the per-domain limit still holds.
        dispatcher.limits(10, 2, false);
        assertThat(dispatcher.dispatch()).isEqualTo(1);
        assertThat(dispatcher.running("a.test")).isEqualTo(2);
        assertThat(dispatcher.running("b.test")).isEqualTo(2);
        assertThat(dispatcher.waiting("a.test")).isEqualTo(3);
        assertThat(jobs.stream().filter(j -> j.state == Job.State.RUNNING)).hasSize(4);
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 4);
        assertThat(List.copyOf(ran)).containsExactlyInAnyOrder("a.test@0", "a.test@1", "b.test@5", "b.test@6");
    }

    @Test
    void aFinishedDeliveryStartsTheNextWaitingJobItself() throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) jobs.add(enqueue(i, "a.test"));
        dispatcher.limits(1, 1, false);
        assertThat(dispatcher.dispatch()).isEqualTo(1);

        gate(0).countDown();
        assertThat(dispatcher.nextCompleted(5000)).isSameAs(jobs.get(0));
        // Started by the finishing thread before it reported, without another dispatch().
        assertThat(jobs.get(1).state).isEqualTo(Job.State.RUNNING);
        assertThat(dispatcher.running()).isEqualTo(1);

        dispatcher.limits(1, 1, true); // holding: a finished delivery starts nothing
        gate(1).countDown();
        assertThat(dispatcher.nextCompleted(5000)).isSameAs(jobs.get(1));
        assertThat(jobs.get(2).state).isEqualTo(Job.State.WAITING);
        assertThat(dispatcher.dispatch()).isZero();
        assertThat(dispatcher.running()).isZero();
        assertThat(List.copyOf(ran)).containsExactly("a.test@0", "a.test@1");
    }

    @Test
    void withdrawnJobsNeverRun() throws Exception {
        Job parked = enqueue(0, "a.test");
        Job kept = enqueue(1, "a.test");
        assertThat(dispatcher.withdraw(parked, Job.State.PARKED)).isTrue();
        assertThat(parked.state).isEqualTo(Job.State.PARKED);
        assertThat(dispatcher.waiting("a.test")).isEqualTo(1);
        dispatcher.limits(10, 10, false);
        assertThat(dispatcher.dispatch()).isEqualTo(1);
        assertThat(dispatcher.withdraw(kept, Job.State.ABANDONED)).isFalse(); // already running
        gate(1).countDown();
        assertThat(dispatcher.nextCompleted(5000)).isSameAs(kept);
        assertThat(List.copyOf(ran)).containsExactly("a.test@1");
    }

    @Test
    void onlyJobsOfASaturatedDomainThatWouldWaitLongAreLongWaiters() throws Exception {
        List<Job> slow = new ArrayList<>();
        for (int i = 0; i < 6; i++) slow.add(enqueue(i, "slow.test"));
        enqueue(10, "fast.test");
        dispatcher.limits(10, 1, false);
        assertThat(dispatcher.dispatch()).isEqualTo(2); // one each: slow.test is now at its limit

        // Nothing completed yet: within the start-up grace nothing is judged slow.
        now.addAndGet(Dispatcher.STARTUP_GRACE_NANOS - 1);
        assertThat(dispatcher.longWaiters(1)).isEmpty();
        // Then the estimate is the time the running delivery has taken: 3 s per slot, 10 s allowed:
        // waiting positions k (from 0) with (k + 1) × 3 s > 10 s, i.e. k ≥ 3.
        now.set(1_000_000_000L + 3_000_000_000L);
        assertThat(dispatcher.longWaiters(TEN_SECONDS)).containsExactlyElementsOf(slow.subList(4, 6));
        dispatcher.limits(10, 2, false); // a higher limit: not saturated
        assertThat(dispatcher.longWaiters(TEN_SECONDS)).isEmpty();
        dispatcher.limits(10, 1, false);

        gate(0).countDown();
        assertThat(dispatcher.nextCompleted(5000)).isSameAs(slow.get(0));
        // One completion is not yet a measured rate, and the quiet spell starts again.
        assertThat(dispatcher.longWaiters(TEN_SECONDS)).isEmpty();
        gate(1).countDown();
        assertThat(dispatcher.nextCompleted(5000)).isSameAs(slow.get(1));
        // Two completions: the smoothed gap (3 s, then 0 s: 2.25 s) counts. Three still wait
        // (k = 0, 1, 2); with 5 s allowed, (k + 1) × 2.25 s > 5 s only for k = 2.
        assertThat(dispatcher.longWaiters(5_000_000_000L)).containsExactly(slow.get(5));
    }

    private CountDownLatch gate(long offset) {
        return gates.computeIfAbsent(offset, k -> new CountDownLatch(1));
    }

    private Job enqueue(long offset, String domain) {
        Job j = Jobs.waiting(w, offset, domain);
        w.add(j);
        dispatcher.enqueue(j);
        return j;
    }
}

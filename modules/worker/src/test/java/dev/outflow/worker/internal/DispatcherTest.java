package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private final PartitionWindow w = new PartitionWindow(Jobs.TP);
    private final CountDownLatch release = new CountDownLatch(1);
    private final ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
    private final Dispatcher dispatcher = new Dispatcher(j -> {
        ran.add(j.domain + "@" + j.offset());
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    });

    @Test
    void respectsTheGlobalAndPerDomainLimitsAndTakesTurns() throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) jobs.add(enqueue(i, "a.test"));
        for (int i = 5; i < 8; i++) jobs.add(enqueue(i, "b.test"));

        assertThat(dispatcher.dispatch(3, 2)).isEqualTo(3);
        assertThat(dispatcher.running()).isEqualTo(3);
        assertThat(dispatcher.dispatch(3, 2)).isZero();
        // Raised (hot) global limit: the per-domain limit still holds.
        assertThat(dispatcher.dispatch(10, 2)).isEqualTo(1);
        assertThat(dispatcher.running("a.test")).isEqualTo(2);
        assertThat(dispatcher.running("b.test")).isEqualTo(2);
        assertThat(dispatcher.waiting("a.test")).isEqualTo(3);
        assertThat(jobs.stream().filter(j -> j.state == Job.State.RUNNING)).hasSize(4);

        release.countDown();
        int completed = 0;
        while (completed < 4) {
            if (dispatcher.nextCompleted(1000) != null) completed++;
        }
        assertThat(dispatcher.running()).isZero();
        assertThat(dispatcher.dispatch(10, 2)).isEqualTo(3); // a, a, b
        assertThat(dispatcher.running("a.test")).isEqualTo(2);
        assertThat(dispatcher.waiting("a.test")).isEqualTo(1);
    }

    @Test
    void withdrawnJobsNeverRun() throws Exception {
        Job parked = enqueue(0, "a.test");
        Job kept = enqueue(1, "a.test");
        dispatcher.withdraw(parked);
        parked.state = Job.State.PARKED;
        assertThat(dispatcher.waiting("a.test")).isEqualTo(1);
        release.countDown();
        assertThat(dispatcher.dispatch(10, 10)).isEqualTo(1);
        assertThat(dispatcher.nextCompleted(5000)).isSameAs(kept);
        assertThat(ran).containsExactly("a.test@1");
    }

    private Job enqueue(long offset, String domain) {
        Job j = Jobs.waiting(w, offset, domain);
        w.add(j);
        dispatcher.enqueue(j);
        return j;
    }
}

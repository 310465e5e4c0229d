package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionWindowTest {
    private final PartitionWindow w = new PartitionWindow(Jobs.TP);

    @Test
    void publishesOnlyTheContiguousCompletedPrefix() {
        Job a = Jobs.waiting(w, 10, "a.test");
        Job b = Jobs.waiting(w, 11, "a.test");
        Job c = Jobs.waiting(w, 13, "b.test"); // offsets may have gaps (transaction markers)
        w.add(a);
        w.add(b);
        w.add(c);
        assertThat(w.inProgress()).isEqualTo(3);

        complete(c);
        List<Job> out = new ArrayList<>();
        assertThat(w.drainCompleted(out::add)).isEqualTo(-1);
        assertThat(out).isEmpty();

        complete(a);
        assertThat(w.drainCompleted(out::add)).isEqualTo(11);
        assertThat(out).containsExactly(a);
        assertThat(w.held()).isEqualTo(2);

        complete(b);
        assertThat(w.drainCompleted(out::add)).isEqualTo(14);
        assertThat(out).containsExactly(a, b, c);
        assertThat(w.isEmpty()).isTrue();
        assertThat(w.inProgress()).isZero();
    }

    @Test
    void handledRecordsDoNotCountAsInProgress() {
        w.add(Job.handled(w, Jobs.record(0, "x"), null, List.of(), 0));
        Job j = Jobs.waiting(w, 1, "a.test");
        w.add(j);
        assertThat(w.inProgress()).isEqualTo(1);
        assertThat(w.held()).isEqualTo(2);
        assertThat(w.firstOffset()).isZero();
        assertThat(w.drainCompleted(x -> { })).isEqualTo(1);
        assertThat(w.firstOffset()).isEqualTo(1);
    }

    @Test
    void clearAbandonsJobsInProgressAndReportsWaitingOnes() {
        Job waiting = Jobs.waiting(w, 0, "a.test");
        Job running = Jobs.waiting(w, 1, "a.test");
        running.state = Job.State.RUNNING;
        w.add(waiting);
        w.add(running);
        List<Job> withdrawn = new ArrayList<>();
        assertThat(w.clear(withdrawn::add)).isEqualTo(2); // the test's withdraw leaves the state to clear()
        assertThat(withdrawn).containsExactly(waiting);
        assertThat(waiting.state).isEqualTo(Job.State.ABANDONED);
        assertThat(running.state).isEqualTo(Job.State.ABANDONED);
        assertThat(w.isEmpty()).isTrue();
        assertThat(w.inProgress()).isZero();
    }

    private void complete(Job j) {
        j.state = Job.State.DONE;
        w.left(j);
    }
}

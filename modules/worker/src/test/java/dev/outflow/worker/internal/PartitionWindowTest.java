package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.codec.topics.DoneOffsets;
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

    @Test
    void publishesJobsFinishedBehindASlowHeadAheadOfThePrefixAndNamesThemInTheMetadata() {
        Job slow = Jobs.waiting(w, 10, "slow.test");
        Job b = Jobs.waiting(w, 11, "a.test");
        Job c = Jobs.waiting(w, 13, "a.test");
        w.add(slow);
        w.add(b);
        w.add(c);
        complete(c);
        complete(b);
        List<Job> out = new ArrayList<>();
        assertThat(w.drainCompleted(out::add)).isEqualTo(-1);
        assertThat(w.publishAhead(out::add)).isTrue();
        assertThat(out).containsExactly(b, c);
        assertThat(w.publishAhead(out::add)).as("nothing new finished").isFalse();
        DoneOffsets.Encoder encoder = new DoneOffsets.Encoder();
        DoneOffsets done = DoneOffsets.decode(10, w.doneAbove(10, encoder));
        assertThat(done.contains(11)).isTrue();
        assertThat(done.contains(13)).isTrue();
        assertThat(done.contains(10)).isFalse();
        assertThat(done.contains(12)).isFalse();

        complete(slow);
        assertThat(w.drainCompleted(out::add)).isEqualTo(14);
        assertThat(out).as("published once").containsExactly(b, c, slow);
        assertThat(w.isEmpty()).isTrue();
    }

    @Test
    void offsetsAFormerOwnerFinishedAreKnownAndCarriedUntilThePrefixPassesThem() {
        DoneOffsets.Encoder encoder = new DoneOffsets.Encoder().reset(20);
        encoder.add(22);
        encoder.add(30);
        w.assigned(20, encoder.encode());
        assertThat(w.finishedBefore(22)).isTrue();
        assertThat(w.finishedBefore(21)).isFalse();

        Job first = Jobs.waiting(w, 20, "a.test");
        w.add(first);
        complete(first);
        assertThat(w.drainCompleted(x -> { })).isEqualTo(21);
        // 30 is not taken yet: the next commit must still name it, or a crash now would redeliver it.
        DoneOffsets carried = DoneOffsets.decode(21, w.doneAbove(21, new DoneOffsets.Encoder()));
        assertThat(carried.contains(22)).isTrue();
        assertThat(carried.contains(30)).isTrue();
        assertThat(DoneOffsets.decode(31, w.doneAbove(31, new DoneOffsets.Encoder())).isEmpty()).isTrue();
    }

    @Test
    void afterALostGroupTheWindowSkipsWhatItsLastCommitNamed() {
        Job slow = Jobs.waiting(w, 0, "slow.test");
        Job b = Jobs.waiting(w, 1, "a.test");
        w.add(slow);
        w.add(b);
        complete(b);
        w.publishAhead(x -> { });
        w.committed(0, w.doneAbove(0, new DoneOffsets.Encoder())); // that transaction committed
        w.clear(x -> true);
        w.rewound();
        assertThat(w.finishedBefore(1)).isTrue();
        assertThat(w.finishedBefore(0)).isFalse();
    }

    private void complete(Job j) {
        j.state = Job.State.DONE;
        w.left(j);
    }
}

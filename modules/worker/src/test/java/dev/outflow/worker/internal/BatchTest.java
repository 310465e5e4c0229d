package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The ownership rule of a batch put back after a failed commit. */
class BatchTest {
    private final PartitionWindow kept = new PartitionWindow(Jobs.TP);
    private final PartitionWindow revoked = new PartitionWindow(new TopicPartition(Jobs.TP.topic(), 1));

    @Test
    void aFailedBatchComesBackWithoutWhatBelongsToRevokedPartitions() {
        Batch failed = new Batch();
        Job a = done(kept, 10);
        Job b = done(revoked, 20);
        failed.add(a);
        failed.add(b);
        failed.offset(kept, 11, "");
        failed.offset(revoked, 21, "");
        revoked.gone = true; // revoked while the commit was refused

        Batch pending = new Batch();
        assertThat(pending.prepend(failed)).containsExactly(b);
        assertThat(pending.jobs).containsExactly(a);
        assertThat(pending.offsets).containsOnlyKeys(kept.tp);
        assertThat(pending.offsets.get(kept.tp).offset()).isEqualTo(11);
        assertThat(pending.bytes).isEqualTo(a.bytes);
    }

    @Test
    void aPartitionBackWithThisWorkerKeepsOnlyItsNewOffsets() {
        Batch failed = new Batch();
        failed.add(done(revoked, 20));
        failed.offset(revoked, 21, "");
        revoked.gone = true;
        PartitionWindow again = new PartitionWindow(revoked.tp); // assigned to this worker once more
        Batch pending = new Batch();
        Job later = done(again, 5);
        pending.add(later);
        pending.offset(again, 6, "");

        pending.prepend(failed);
        assertThat(pending.jobs).containsExactly(later);
        assertThat(pending.offsets.get(revoked.tp).offset()).isEqualTo(6);
    }

    @Test
    void dropGoneForgetsJobsAndOffsetsOfWindowsGone() {
        Batch pending = new Batch();
        Job a = done(kept, 1);
        pending.add(a);
        pending.add(done(revoked, 2));
        pending.offset(kept, 2, "");
        pending.offset(revoked, 3, "");
        revoked.gone = true;

        assertThat(pending.dropGone()).hasSize(1);
        assertThat(pending.jobs).containsExactly(a);
        assertThat(pending.offsets).containsOnlyKeys(kept.tp);
        assertThat(pending.bytes).isEqualTo(a.bytes);
    }

    private static Job done(PartitionWindow w, long offset) {
        Job j = Jobs.waiting(w, offset, "a.test");
        j.state = Job.State.DONE;
        j.bytes = 100 + offset;
        return j;
    }
}

package dev.outflow.scheduler.internal;

import dev.outflow.codec.topics.DoneOffsets;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionQueueTest {
    private static final TopicPartition TP = new TopicPartition("outflow.delay.10s", 0);
    private final DoneOffsets.Encoder encoder = new DoneOffsets.Encoder();

    private static Entry entry(long offset, long due) {
        return new Entry(offset, 1_000, due, due, new byte[] {'k'}, new byte[10]);
    }

    private static List<Long> releaseAt(PartitionQueue q, long now) {
        List<Long> out = new ArrayList<>();
        q.releaseDue(now, e -> out.add(e.offset()));
        return out;
    }

    @Test
    void releasesInDueOrderAndCommitsTheContiguousPrefixWithTheRestInMetadata() {
        PartitionQueue q = new PartitionQueue(TP, 100, Long.MAX_VALUE, new OffsetAndMetadata(10));
        q.hold(entry(10, 5_000));
        q.hold(entry(11, 2_000));
        q.hold(entry(13, 3_000)); // 12 is a transaction marker: never seen
        assertThat(q.nextDue()).isEqualTo(2_000);
        assertThat(q.commitPoint(encoder)).as("nothing released yet").isNull();

        assertThat(releaseAt(q, 3_000)).containsExactly(11L, 13L);
        OffsetAndMetadata commit = q.commitPoint(encoder);
        assertThat(commit.offset()).isEqualTo(10);
        DoneOffsets carried = DoneOffsets.decode(commit.offset(), commit.metadata());
        assertThat(carried.contains(11)).isTrue();
        assertThat(carried.contains(13)).isTrue();
        assertThat(carried.contains(10)).isFalse();
        assertThat(carried.contains(12)).isFalse();
        assertThat(q.commitPoint(encoder)).as("unchanged").isNull();

        assertThat(releaseAt(q, 5_000)).containsExactly(10L);
        OffsetAndMetadata all = q.commitPoint(encoder);
        assertThat(all.offset()).isEqualTo(14);
        assertThat(all.metadata()).isEmpty();
        assertThat(q.waiting()).isZero();
        assertThat(q.nextDue()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aNewOwnerSkipsWhatThePreviousOwnerReleasedAndKeepsItInItsOwnCommits() {
        PartitionQueue first = new PartitionQueue(TP, 100, Long.MAX_VALUE, new OffsetAndMetadata(0));
        for (long o = 0; o < 6; o++) {
            first.hold(entry(o, o == 0 ? 9_000 : 1_000 + o));
        }
        releaseAt(first, 2_000); // 1..5 released, 0 waits
        OffsetAndMetadata handedOver = first.commitPoint(encoder);
        assertThat(handedOver.offset()).isZero();

        PartitionQueue second = new PartitionQueue(TP, 100, Long.MAX_VALUE, handedOver);
        second.hold(entry(0, 9_000));
        assertThat(second.releasedBefore(1)).isTrue();
        second.pass(1);
        second.pass(2);
        // Re-reading what was released before changes nothing worth a commit.
        assertThat(second.commitPoint(encoder)).isNull();

        assertThat(releaseAt(second, 9_000)).containsExactly(0L);
        OffsetAndMetadata after = second.commitPoint(encoder);
        assertThat(after.offset()).isEqualTo(3);
        DoneOffsets rest = DoneOffsets.decode(after.offset(), after.metadata());
        assertThat(List.of(3L, 4L, 5L)).allMatch(rest::contains);
        assertThat(rest.contains(2)).isFalse();
    }

    @Test
    void flushMakesRecordsWrittenUpToTheCutoffDueNow() {
        PartitionQueue q = new PartitionQueue(TP, 100, Long.MAX_VALUE, null);
        q.hold(new Entry(0, 1_000, 3_600_000, 3_600_000, null, new byte[1]));
        q.hold(new Entry(1, 2_000, 3_600_000, 3_600_000, null, new byte[1]));
        q.flush(1_500);
        assertThat(releaseAt(q, 1_600)).containsExactly(0L);
        assertThat(q.nextDue()).isEqualTo(3_600_000);
    }

    @Test
    void isFullAtTheReadAheadLimitOrByteLimitAndHeadFirstBucketsPauseOnAnyWaitingRecord() {
        PartitionQueue smallest = new PartitionQueue(TP, 2, Long.MAX_VALUE, null);
        smallest.hold(entry(0, 5));
        assertThat(smallest.full()).isFalse();
        smallest.hold(entry(1, 6));
        assertThat(smallest.full()).isTrue();
        releaseAt(smallest, 5);
        assertThat(smallest.full()).isFalse();

        PartitionQueue bytes = new PartitionQueue(TP, 100, 15, null);
        bytes.hold(entry(0, 5));
        assertThat(bytes.full()).isFalse();
        bytes.hold(entry(1, 5));
        assertThat(bytes.full()).isTrue();

        PartitionQueue headFirst = new PartitionQueue(TP, 1, Long.MAX_VALUE, null);
        headFirst.pass(0);
        assertThat(headFirst.full()).isFalse();
        headFirst.hold(entry(1, 99));
        assertThat(headFirst.full()).isTrue();
    }

    @Test
    void spanOfTheWindowIsBoundedSoTheMetadataFitsTheBrokerLimit() {
        PartitionQueue q = new PartitionQueue(TP, Integer.MAX_VALUE, Long.MAX_VALUE, new OffsetAndMetadata(0));
        q.hold(entry(0, Long.MAX_VALUE - 1));
        long o = 1;
        while (!q.full()) {
            q.hold(entry(o++, 1));
        }
        assertThat(o).isEqualTo(PartitionQueue.MAX_SPAN);
        for (int i = 0; i < 1000; i++) {
            q.hold(entry(o++, 1)); // one more poll before the pause takes effect
        }
        releaseAt(q, 1);
        OffsetAndMetadata commit = q.commitPoint(encoder);
        assertThat(commit.offset()).isZero();
        assertThat(commit.metadata().length()).isLessThan(3000);
        DoneOffsets carried = DoneOffsets.decode(0, commit.metadata());
        assertThat(carried.contains(1)).isTrue();
        assertThat(carried.contains(o - 1)).isTrue();
        assertThat(carried.contains(o)).isFalse();
    }

    @Test
    void foreignOrBrokenMetadataMeansNothingWasReleasedAhead() {
        assertThat(DoneOffsets.decode(5, null).isEmpty()).isTrue();
        assertThat(DoneOffsets.decode(5, "").isEmpty()).isTrue();
        assertThat(DoneOffsets.decode(5, "some tool's note").isEmpty()).isTrue();
        assertThat(DoneOffsets.decode(5, "r1:***").isEmpty()).isTrue();
    }
}

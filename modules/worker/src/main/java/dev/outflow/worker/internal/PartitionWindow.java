package dev.outflow.worker.internal;

import dev.outflow.codec.topics.DoneOffsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one assigned partition that are taken but whose offsets are not yet handed to a
 * transaction, in offset order. Two numbers bound it: {@link #inProgress()} (waiting or
 * delivering: the in-flight window of {@code outbound.inflight_per_partition}) and {@link #held()}
 * (everything whose offset is not yet committed: including jobs finished out of order, whose
 * outputs are published ahead of the prefix and whose offsets ride in the commit metadata).
 * Poll thread only.
 *
 * <p>Publishing ahead is what keeps a crash cheap: without it, one slow delivery at the head
 * would hold back every finished record behind it, and a new owner after a {@code kill -9}
 * would deliver all of them again. With it, the new owner reads the finished offsets from the
 * committed metadata ({@link DoneOffsets}) and skips them.
 */
final class PartitionWindow {
    final TopicPartition tp;
    private final ArrayDeque<Job> jobs = new ArrayDeque<>();
    private int inProgress;
    /** Sum of {@link Job#bytes} of the held jobs. */
    private long bytes;
    /** As last asked of the consumer. */
    boolean paused;
    /** Set once the partition is revoked or lost: late completions are ignored. */
    boolean gone;
    /** Offsets above the committed one that were finished before this window took them (commit metadata). */
    private DoneOffsets inherited = DoneOffsets.NONE;
    /** A job completed since the last {@link #publishAhead} scan. */
    private boolean dirty;
    private long committedOffset = -1;
    private String committedMetadata;

    PartitionWindow(TopicPartition tp) {
        this.tp = tp;
    }

    void add(Job j) {
        jobs.addLast(j);
        bytes += j.bytes;
        if (j.inProgress()) inProgress++;
        else dirty = true;
    }

    /** At assignment: the committed offset and metadata; offsets a former owner finished are skipped when taken. */
    void assigned(long offset, String metadata) {
        committed(offset, metadata);
        inherited = DoneOffsets.decode(offset, metadata);
    }

    /** The record at {@code offset} was finished by a former owner: its outputs are published already. */
    boolean finishedBefore(long offset) {
        return inherited.contains(offset);
    }

    /** A held job's outputs were set: charge them too. */
    void grow(Job j, long n) {
        j.bytes += n;
        bytes += n;
    }

    /** Bytes of the held jobs (see {@link Job#bytes}). */
    long bytes() {
        return bytes;
    }

    /** A job of this window left the waiting/delivering states (done, parked or abandoned). */
    void left(Job j) {
        inProgress--;
        dirty = true;
    }

    int inProgress() {
        return inProgress;
    }

    int held() {
        return jobs.size();
    }

    boolean isEmpty() {
        return jobs.isEmpty();
    }

    /** Offset of the first unpublished record, or -1 when none is held. */
    long firstOffset() {
        Job head = jobs.peekFirst();
        return head == null ? -1 : head.offset();
    }

    /**
     * Removes the completed prefix, handing to {@code sink}, in order, the jobs not already
     * published ahead.
     *
     * @return the offset to commit after it (last offset + 1), or -1 when the head is not completed
     */
    long drainCompleted(Consumer<Job> sink) {
        long next = -1;
        Job head;
        while ((head = jobs.peekFirst()) != null && head.completed()) {
            jobs.pollFirst();
            if (!head.published) {
                bytes -= head.bytes;
                sink.accept(head);
            }
            next = head.offset() + 1;
        }
        return next;
    }

    /**
     * Hands {@code sink} the jobs completed behind an unfinished head and not yet published, within
     * {@link DoneOffsets#MAX_SPAN} of the head; they stay in the window (they still hold the
     * offset) until the prefix passes them. Call after {@link #drainCompleted}.
     *
     * @return true when any was handed over
     */
    boolean publishAhead(Consumer<Job> sink) {
        if (!dirty) return false;
        dirty = false;
        Job head = jobs.peekFirst();
        if (head == null) return false;
        long limit = head.offset() + DoneOffsets.MAX_SPAN;
        boolean any = false;
        for (Job j : jobs) {
            if (j.offset() >= limit) {
                dirty = true; // finished too far ahead: published once the head moves on
                break;
            }
            if (j.published || !j.completed()) continue;
            j.published = true;
            bytes -= j.bytes;
            sink.accept(j);
            any = true;
        }
        return any;
    }

    /**
     * The commit metadata for committing {@code base}: every offset at or above it that is
     * published ahead or was inherited.
     */
    String doneAbove(long base, DoneOffsets.Encoder encoder) {
        encoder.reset(base);
        for (Job j : jobs) {
            if (j.published && j.offset() >= base) encoder.add(j.offset());
        }
        inherited.copyFrom(base, encoder);
        return encoder.encode();
    }

    /**
     * A transaction committed {@code offset} with {@code metadata} for this partition: what a new
     * owner, or this one after losing its group, reads back.
     */
    void committed(long offset, String metadata) {
        committedOffset = offset;
        committedMetadata = metadata;
    }

    /** The offset last committed for this partition (or found at assignment), -1 when none is known. */
    long committedOffset() {
        return committedOffset;
    }

    /** Reading again from the committed offset (the group was lost): skip what it says is finished. */
    void rewound() {
        inherited = DoneOffsets.decode(committedOffset, committedMetadata);
    }

    Iterable<Job> jobs() {
        return jobs;
    }

    /** The oldest held job, or null. */
    Job head() {
        return jobs.peekFirst();
    }

    /**
     * Forgets every held job: the ones in progress become ABANDONED ({@code withdraw} sees the
     * waiting ones first, to take them out of their queues; a job it cannot withdraw has just
     * started and is abandoned while it runs). Running attempts are cut short.
     *
     * @return how many jobs were held
     */
    int clear(Predicate<Job> withdraw) {
        int n = jobs.size();
        for (Job j : jobs) {
            if (j.state == Job.State.WAITING) withdraw.test(j);
            if (j.state == Job.State.RUNNING) j.cut(); // the next owner delivers it again: fewer duplicates at the MX
            if (j.inProgress()) j.state = Job.State.ABANDONED;
        }
        jobs.clear();
        inProgress = 0;
        bytes = 0;
        return n;
    }
}

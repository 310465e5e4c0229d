package dev.outflow.worker.internal;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one assigned partition that are taken but whose offsets are not yet handed to a
 * transaction, in offset order. Two numbers bound it: {@link #inProgress()} (waiting or
 * delivering: the in-flight window of {@code outbound.inflight_per_partition}) and {@link #held()}
 * (everything not yet published, including results completed out of order and held until every
 * earlier offset completes). Poll thread only.
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

    PartitionWindow(TopicPartition tp) {
        this.tp = tp;
    }

    void add(Job j) {
        jobs.addLast(j);
        bytes += j.bytes;
        if (j.inProgress()) inProgress++;
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
     * Hands the completed prefix to {@code sink}, in order, and removes it.
     *
     * @return the offset to commit after it (last offset + 1), or -1 when the head is not completed
     */
    long drainCompleted(Consumer<Job> sink) {
        long next = -1;
        Job head;
        while ((head = jobs.peekFirst()) != null && head.completed()) {
            jobs.pollFirst();
            bytes -= head.bytes;
            sink.accept(head);
            next = head.offset() + 1;
        }
        return next;
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

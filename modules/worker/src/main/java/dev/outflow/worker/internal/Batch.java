package dev.outflow.worker.internal;

import dev.outflow.stage.StageTransaction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One transaction's worth of work: the jobs whose outputs it publishes (those whose offsets entered
 * the committed prefix, and those finished ahead of it) and the offsets to commit, each with the
 * finished offsets above it in its metadata. Filled by the poll thread, then
 * handed whole to the commit thread, which sets {@link #result}; the queues between the two
 * threads publish it safely.
 *
 * <p>Each offset remembers the {@link PartitionWindow} (one period of ownership of its
 * partition) it came from: once that window is {@link PartitionWindow#gone gone}, the offset
 * must never be committed, not even after the partition came back to this worker (a new window),
 * because the jobs it covers were given up and their outputs will not be published.
 */
final class Batch {
    final List<Job> jobs = new ArrayList<>();
    final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    /** The window each offset of {@link #offsets} belongs to. */
    private final Map<TopicPartition, PartitionWindow> owners = new HashMap<>();
    /** Bytes charged to the worker's in-flight budget by {@link #jobs}. */
    long bytes;
    /** When the first job was added (nanoTime). */
    long since;
    /** The consumer's group metadata when the batch was handed over (fences zombies). */
    ConsumerGroupMetadata group;
    StageTransaction.Result result;

    void add(Job j) {
        if (jobs.isEmpty()) since = System.nanoTime();
        jobs.add(j);
        bytes += j.bytes;
    }

    /** The offset to commit for {@code w}, with the {@link dev.outflow.codec.topics.DoneOffsets} above it. */
    void offset(PartitionWindow w, long next, String metadata) {
        offsets.put(w.tp, new OffsetAndMetadata(next, metadata));
        owners.put(w.tp, w);
    }

    /** The transaction committed: each window learns what its partition's committed offset now is. */
    void committed() {
        offsets.forEach((tp, o) -> owners.get(tp).committed(o.offset(), o.metadata()));
    }

    boolean isEmpty() {
        return jobs.isEmpty() && offsets.isEmpty();
    }

    /**
     * Puts a batch that could not commit back in front of this one: its jobs first, and its offsets
     * where this batch has none yet (this batch's are later). Jobs and offsets of windows that are
     * gone (partition revoked or lost meanwhile) are dropped: committing them now, under the
     * group's newer generation, would move a partition another worker owns past records whose
     * outputs nobody publishes.
     *
     * @return the jobs dropped
     */
    List<Job> prepend(Batch failed) {
        List<Job> dropped = new ArrayList<>();
        List<Job> merged = new ArrayList<>(failed.jobs.size() + jobs.size());
        for (Job j : failed.jobs) {
            if (j.window.gone) dropped.add(j);
            else merged.add(j);
        }
        merged.addAll(jobs);
        jobs.clear();
        jobs.addAll(merged);
        failed.offsets.forEach((tp, o) -> {
            PartitionWindow w = failed.owners.get(tp);
            if (!w.gone && !offsets.containsKey(tp)) offset(w, o.offset(), o.metadata());
        });
        bytes += failed.bytes;
        for (Job j : dropped) bytes -= j.bytes;
        if (!failed.jobs.isEmpty()) since = failed.since; // the failed batch is the older one
        return dropped;
    }

    /**
     * Forgets the jobs and offsets of windows that are gone (revoked or lost partitions).
     *
     * @return the jobs dropped
     */
    List<Job> dropGone() {
        List<Job> dropped = new ArrayList<>();
        jobs.removeIf(j -> {
            if (!j.window.gone) return false;
            dropped.add(j);
            bytes -= j.bytes;
            return true;
        });
        owners.values().removeIf(w -> {
            if (!w.gone) return false;
            offsets.remove(w.tp);
            return true;
        });
        return dropped;
    }
}

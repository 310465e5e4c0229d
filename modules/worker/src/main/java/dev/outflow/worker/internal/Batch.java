package dev.outflow.worker.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One transaction's worth of work: the jobs whose offsets entered the committed prefix (their
 * outputs are published) and the offsets to commit after them. Filled by the poll thread, then
 * handed whole to the commit thread, which sets {@link #result}; the queues between the two
 * threads publish it safely.
 */
final class Batch {
    final List<Job> jobs = new ArrayList<>();
    final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    /** When the first job was added (nanoTime). */
    long since;
    /** The consumer's group metadata when the batch was handed over (fences zombies). */
    ConsumerGroupMetadata group;
    EventTransaction.Result result;

    void add(Job j) {
        if (jobs.isEmpty()) since = System.nanoTime();
        jobs.add(j);
    }

    void offset(TopicPartition tp, long next) {
        offsets.put(tp, new OffsetAndMetadata(next));
    }

    boolean isEmpty() {
        return jobs.isEmpty() && offsets.isEmpty();
    }

    /**
     * Puts a batch that could not commit back in front of this one: its jobs first, and its offsets
     * where this batch has none yet (this batch's are later). Jobs and offsets of partitions in
     * {@code gone} are dropped.
     *
     * @return the number of jobs dropped
     */
    int prepend(Batch failed, Set<TopicPartition> gone) {
        int dropped = 0;
        List<Job> merged = new ArrayList<>(failed.jobs.size() + jobs.size());
        for (Job j : failed.jobs) {
            if (gone.contains(j.window.tp) || j.window.gone) dropped++;
            else merged.add(j);
        }
        merged.addAll(jobs);
        jobs.clear();
        jobs.addAll(merged);
        failed.offsets.forEach((tp, o) -> {
            if (!gone.contains(tp)) offsets.putIfAbsent(tp, o);
        });
        if (!failed.jobs.isEmpty()) since = failed.since; // the failed batch is the older one
        return dropped;
    }

    /**
     * Forgets the jobs and offsets of {@code gone} partitions.
     *
     * @return the number of jobs dropped
     */
    int drop(Set<TopicPartition> gone) {
        int before = jobs.size();
        jobs.removeIf(j -> gone.contains(j.window.tp));
        offsets.keySet().removeAll(gone);
        return before - jobs.size();
    }
}

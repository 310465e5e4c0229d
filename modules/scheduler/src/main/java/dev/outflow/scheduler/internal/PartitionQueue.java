package dev.outflow.scheduler.internal;

import dev.outflow.codec.topics.DoneOffsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the scheduler holds for one assigned partition: the records read but not yet released
 * (a timer queue ordered by due time), and the bookkeeping for the offset to commit.
 *
 * <p>Records are released in due order; the committed offset is the first record not yet
 * released (the contiguous released prefix), and released records above it travel in the commit
 * metadata ({@link DoneOffsets}) so a new owner of the partition skips them. Records of the
 * deferred topic and records that need no waiting (warm-up, poison) are {@linkplain #pass passed}.
 *
 * <p>The queue is bounded: {@link #full()} tells the caller to pause the partition (records then
 * wait in Kafka). A bucket with {@code maxWaiting = 1} is read head-first: it is paused as soon as
 * its head is not due, which is right for buckets whose records are due in append order.
 *
 * <p>Not thread-safe: owned by the scheduler's loop thread.
 */
public final class PartitionQueue {
    /**
     * Largest offset span held in memory. Bounds the released-offsets bit set in the commit
     * metadata: (span + one poll of at most {@value SchedulerLoop#MAX_POLL_RECORDS} records) / 8
     * bytes, Base64 → about 2.2k characters, under the broker's 4096-byte metadata limit.
     */
    public static final int MAX_SPAN = 12_000;

    private final TopicPartition partition;
    private final int maxWaiting;
    private final long maxBytes;
    private final DoneOffsets carried;
    private final ArrayDeque<Entry> inOrder = new ArrayDeque<>();
    private final PriorityQueue<Entry> byDue = new PriorityQueue<>(Entry::compareByDue);
    private long nextOffset;
    private long committedOffset;
    private String committedMetadata;
    private long bytes;
    private boolean changed;

    /**
     * @param committed the group's committed offset of this partition, or null when none
     */
    public PartitionQueue(TopicPartition partition, int maxWaiting, long maxBytes, OffsetAndMetadata committed) {
        this.partition = partition;
        this.maxWaiting = maxWaiting;
        this.maxBytes = maxBytes;
        if (committed == null) {
            this.nextOffset = -1;
            this.committedOffset = -1;
            this.committedMetadata = "";
            this.carried = DoneOffsets.NONE;
        } else {
            this.nextOffset = committed.offset();
            this.committedOffset = committed.offset();
            this.committedMetadata = committed.metadata() == null ? "" : committed.metadata();
            this.carried = DoneOffsets.decode(committed.offset(), committed.metadata());
        }
    }

    public TopicPartition partition() {
        return partition;
    }

    /** True when an earlier owner already released this offset (it is passed, not released again). */
    public boolean releasedBefore(long offset) {
        return !carried.isEmpty() && carried.contains(offset);
    }

    /** A record that needs no waiting here: already routed, dead-lettered, skipped. */
    public void pass(long offset) {
        if (!inOrder.isEmpty()) {
            inOrder.addLast(Entry.passed(offset));
        }
        nextOffset = offset + 1;
        changed = true;
    }

    /** A record that waits until {@code entry.due()}. */
    public void hold(Entry entry) {
        inOrder.addLast(entry);
        byDue.add(entry);
        bytes += entry.size();
        nextOffset = entry.offset() + 1;
    }

    /** Due time of the next record to release, {@link Long#MAX_VALUE} when none waits. */
    public long nextDue() {
        Entry e = byDue.peek();
        return e == null ? Long.MAX_VALUE : e.due();
    }

    /** Hands every record due at {@code now} to {@code out}, earliest first, and marks it released. */
    public void releaseDue(long now, Consumer<Entry> out) {
        Entry e;
        while ((e = byDue.peek()) != null && e.due() <= now) {
            byDue.poll();
            bytes -= e.size();
            e.markReleased();
            changed = true;
            out.accept(e);
        }
    }

    /** Makes every waiting record written at or before {@code cutoffMs} due now (flush). */
    public void flush(long cutoffMs) {
        boolean any = false;
        for (Entry e : byDue) {
            if (e.timestamp() <= cutoffMs) {
                e.dueNow();
                any = true;
            }
        }
        if (any) {
            List<Entry> all = new ArrayList<>(byDue);
            byDue.clear();
            byDue.addAll(all);
        }
    }

    /** Records waiting in memory. */
    public int waiting() {
        return byDue.size();
    }

    /** True when no more records should be fetched until some are released (pause the partition). */
    public boolean full() {
        return byDue.size() >= maxWaiting || bytes >= maxBytes || span() >= MAX_SPAN;
    }

    private long span() {
        return inOrder.isEmpty() ? 0 : nextOffset - inOrder.peekFirst().offset();
    }

    /**
     * The offset and metadata to commit when they changed since the last call, else null. The
     * answer is final for this queue: if the transaction carrying it fails, the caller discards
     * every queue and rebuilds them from the committed offsets.
     */
    public OffsetAndMetadata commitPoint(DoneOffsets.Encoder encoder) {
        if (!changed) {
            return null;
        }
        changed = false;
        while (!inOrder.isEmpty() && inOrder.peekFirst().released()) {
            inOrder.pollFirst();
        }
        if (nextOffset < 0) {
            return null;
        }
        long base = inOrder.isEmpty() ? nextOffset : inOrder.peekFirst().offset();
        encoder.reset(base);
        for (Entry e : inOrder) {
            if (e.released()) {
                encoder.add(e.offset());
            }
        }
        carried.copyFrom(nextOffset, encoder);
        String metadata = encoder.encode();
        if (base == committedOffset && metadata.equals(committedMetadata)) {
            return null;
        }
        committedOffset = base;
        committedMetadata = metadata;
        return new OffsetAndMetadata(base, metadata);
    }

    @Override
    public String toString() {
        return "PartitionQueue[" + partition + ", waiting " + byDue.size() + ", next " + nextOffset + "]";
    }
}

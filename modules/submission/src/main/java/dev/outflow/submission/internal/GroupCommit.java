package dev.outflow.submission.internal;

import dev.outflow.avro.OutboundMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes messages to Kafka in transactions so that a message is queued whole or not at all: all
 * records of one message are always in the same transaction. Messages that arrive while a
 * transaction commits are written together in the next one (group commit), so concurrent clients
 * share the cost of a commit.
 *
 * <p>Several lanes commit in parallel, each a thread owning its own transactional producer, all
 * taking messages from one queue: a commit costs several broker round trips and log flushes
 * (add partitions, produce, end transaction, markers), and with one lane every message would wait
 * for them in turn. When a transaction fails it is aborted;
 * when its outcome is unknown (the commit timed out) or the producer is unusable, the producer is
 * dropped and the next one, with the same {@code transactional.id}, aborts what the old one left
 * open when it initialises. A message whose own record the broker refuses (too large, invalid) fails
 * alone: the other messages of its transaction are written again in a new one.
 *
 * <p>Thread-safe. {@link #submit} never blocks; its future completes on a lane's thread.
 */
public final class GroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    private record Pending(String id, List<ProducerRecord<String, OutboundMessage>> records, long bytes, CompletableFuture<Void> done) {}

    private final IntFunction<Producer<String, OutboundMessage>> producers;
    private final BiFunction<String, Throwable, RuntimeException> failure;
    private final Duration commitDeadline;
    private final int maxRecords;
    private final long maxBytes;
    private final BlockingDeque<Pending> pending = new LinkedBlockingDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param lanes          transactions in flight at once
     * @param producers      makes the transactional producer (not yet initialised) of a lane; always the same {@code transactional.id} per lane
     * @param failure        turns (message id, cause) into the exception the message's future fails with
     * @param commitDeadline how long one transaction may keep retrying a commit that timed out
     * @param maxRecords     records per transaction (a message with more is written alone)
     * @param maxBytes       approximate bytes per transaction (a larger message is written alone)
     */
    public GroupCommit(int lanes, IntFunction<Producer<String, OutboundMessage>> producers, BiFunction<String, Throwable, RuntimeException> failure,
                       Duration commitDeadline, int maxRecords, long maxBytes) {
        this.producers = producers;
        this.failure = failure;
        this.commitDeadline = commitDeadline;
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        for (int i = 0; i < lanes; i++) {
            Lane lane = new Lane(i);
            threads.add(Thread.ofPlatform().daemon().name("outflow-intake-commit-" + i).start(lane::run));
        }
    }

    /** Queues the records of one message; the future completes when their transaction committed. */
    public CompletableFuture<Void> submit(String id, List<ProducerRecord<String, OutboundMessage>> records, long bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(failure.apply(id, new IllegalStateException("the outbound queue is closed")));
            return done;
        }
        pending.add(new Pending(id, records, bytes, done));
        return done;
    }

    /** One committer thread and its producer. */
    private final class Lane {
        private final int index;
        private Producer<String, OutboundMessage> producer;       // this lane's thread only

        Lane(int index) {
            this.index = index;
        }

        private void run() {
            while (true) {
                Pending first;
                try {
                    first = pending.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    if (closed) break;
                    continue;
                }
                if (first == null) {
                    if (closed) break;
                    continue;
                }
                List<Pending> batch = new ArrayList<>();
                batch.add(first);
                int records = first.records().size();
                long bytes = first.bytes();
                Pending next;
                while ((next = pending.pollFirst()) != null) {
                    if (records + next.records().size() > maxRecords || bytes + next.bytes() > maxBytes) {
                        pending.offerFirst(next);              // the next transaction's first
                        break;
                    }
                    batch.add(next);
                    records += next.records().size();
                    bytes += next.bytes();
                }
                commit(batch, true);
            }
            dropProducer(Duration.ofSeconds(5));
        }

        /** Writes one transaction; on a record-level refusal, writes the other messages again (once). */
        private void commit(List<Pending> batch, boolean mayRetry) {
            AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(batch.size());
            try {
                Producer<String, OutboundMessage> p = producer();
                p.beginTransaction();
                for (int i = 0; i < batch.size(); i++) {
                    int index = i;
                    for (ProducerRecord<String, OutboundMessage> r : batch.get(i).records()) {
                        p.send(r, (meta, error) -> {
                            if (error != null) errors.compareAndSet(index, null, error);
                        });
                    }
                }
                commitWithRetry(p);
                for (Pending m : batch) m.done().complete(null);
                return;
            } catch (RuntimeException e) {
                recover(e);
                List<Pending> again = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    Throwable own = errors.get(i);
                    if (own != null && isRecordLevel(own)) batch.get(i).done().completeExceptionally(failure.apply(batch.get(i).id(), own));
                    else if (mayRetry && anyRecordLevel(errors)) again.add(batch.get(i));
                    else batch.get(i).done().completeExceptionally(failure.apply(batch.get(i).id(), own != null ? own : e));
                }
                if (!again.isEmpty()) commit(again, false);
            }
        }

        /** Kafka allows retrying a commit that timed out; its outcome is unknown until one attempt answers. */
        private void commitWithRetry(Producer<String, OutboundMessage> p) {
            long deadline = System.nanoTime() + commitDeadline.toNanos();
            while (true) {
                try {
                    p.commitTransaction();
                    return;
                } catch (TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) throw e;
                    log.warn("Commit of an intake transaction timed out; retrying: {}", e.getMessage());
                }
            }
        }

        private Producer<String, OutboundMessage> producer() {
            if (producer == null) {
                Producer<String, OutboundMessage> p = producers.apply(index);
                try {
                    p.initTransactions();
                } catch (RuntimeException e) {
                    p.close(Duration.ZERO);
                    throw e;
                }
                producer = p;
            }
            return producer;
        }

        /**
         * After a failed transaction: abort it, or drop the producer when that is not possible or the
         * outcome is unknown. The next producer's initTransactions fences this one and aborts what it left.
         */
        private void recover(RuntimeException e) {
            if (producer == null) return;
            if (e instanceof TimeoutException) {
                log.warn("Intake transaction outcome unknown ({}); replacing the producer", e.getMessage());
                dropProducer(Duration.ZERO);
                return;
            }
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailed) {
                log.warn("Aborting an intake transaction failed ({}); replacing the producer", abortFailed.toString());
                dropProducer(Duration.ZERO);
            }
        }

        private void dropProducer(Duration wait) {
            if (producer == null) return;
            try {
                producer.close(wait);
            } catch (RuntimeException e) {
                log.debug("Closing the intake producer failed", e);
            }
            producer = null;
        }
    }

    private static boolean anyRecordLevel(AtomicReferenceArray<Throwable> errors) {
        for (int i = 0; i < errors.length(); i++) if (isRecordLevel(errors.get(i))) return true;
        return false;
    }

    /** The broker refused this record itself: retrying it cannot help, and it says nothing about the others. */
    static boolean isRecordLevel(Throwable t) {
        return t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException
                || t instanceof InvalidRecordException || t instanceof CorruptRecordException;
    }

    /** Stops taking messages, writes those already submitted (bounded by the producer's timeouts), closes the producer. */
    @Override
    public void close() {
        closed = true;
        try {
            for (Thread t : threads) t.join(Duration.ofSeconds(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pending left;
        while ((left = pending.poll()) != null) {
            left.done().completeExceptionally(failure.apply(left.id(), new IllegalStateException("the outbound queue was closed")));
        }
    }
}

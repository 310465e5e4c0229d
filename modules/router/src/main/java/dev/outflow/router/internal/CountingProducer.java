package dev.outflow.router.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * The stream thread's transactional producer, seen by the router: Kafka Streams has no commit
 * callback, so the router's counts of committed work ({@link RouterCounters}) move from the open
 * transaction's {@link Transaction} to the counters exactly when {@code commitTransaction}
 * returns, and are forgotten on abort. Also the crash test hook: once halted, the next commit
 * with records throws {@link Halted} instead, leaving the open transaction (its records flushed)
 * to the broker as a killed process would.
 */
final class CountingProducer implements Producer<byte[], byte[]> {
    /** Thrown on the stream thread by a halted router: it stops as if killed. */
    static final class Halted extends Error {
        Halted() {
            super("router halted for a test", null, false, false);
        }
    }

    private final Producer<byte[], byte[]> delegate;
    private final Transaction txn;

    CountingProducer(Producer<byte[], byte[]> delegate, Transaction txn) {
        this.delegate = delegate;
        this.txn = txn;
    }

    @Override
    public void commitTransaction() {
        if (txn.halting() && txn.records() > 0) {
            delegate.flush();
            txn.halted();
            throw new Halted();
        }
        delegate.commitTransaction();
        txn.committed();
    }

    @Override
    public void abortTransaction() {
        if (txn.isHalted()) return;
        try {
            delegate.abortTransaction();
        } finally {
            txn.aborted();
        }
    }

    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    @Override
    public void close(Duration timeout) {
        // Halted: no graceful close, which would abort the open transaction.
        delegate.close(txn.isHalted() ? Duration.ZERO : timeout);
    }

    @Override
    public void initTransactions() {
        txn.aborted();
        delegate.initTransactions();
    }

    @Override
    public void beginTransaction() {
        delegate.beginTransaction();
    }

    @Override
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
        delegate.sendOffsetsToTransaction(offsets, groupMetadata);
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
        delegate.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
        delegate.unregisterMetricFromSubscription(metric);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return delegate.send(record);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        return delegate.send(record, callback);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return delegate.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return delegate.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        return delegate.clientInstanceId(timeout);
    }
}

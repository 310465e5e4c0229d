package dev.outflow.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
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
 * A real producer whose transactional offset commits are slow, as with a loaded broker: each
 * {@code sendOffsetsToTransaction} first waits the latency the test gives (simulated, not a
 * synchronisation), and the next one after {@link Gate#hold()} waits until
 * {@link Gate#release()}, at a moment the test chooses. Everything else goes straight to the real
 * producer. Thread-safe.
 */
final class SlowOffsetsProducer implements Producer<byte[], byte[]> {
    /** One gate shared by every producer a worker creates (it replaces its producer after errors). */
    static final class Gate {
        private final AtomicBoolean armed = new AtomicBoolean();
        private final CountDownLatch blocked = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        /** The next offset commit waits for {@link #release()}. */
        void hold() {
            armed.set(true);
        }

        void release() {
            released.countDown();
        }

        /** True once an offset commit is waiting at the gate. */
        boolean holding() {
            return blocked.getCount() == 0 && released.getCount() > 0;
        }

        private void pass() {
            if (!armed.compareAndSet(true, false)) return;
            blocked.countDown();
            try {
                if (!released.await(2, TimeUnit.MINUTES)) throw new IllegalStateException("gate never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }
    }

    private final Producer<byte[], byte[]> real;
    private final Gate gate;
    private final LongSupplier latencyMillis;

    SlowOffsetsProducer(Producer<byte[], byte[]> real, Gate gate) {
        this(real, gate, () -> 0);
    }

    SlowOffsetsProducer(Producer<byte[], byte[]> real, Gate gate, LongSupplier latencyMillis) {
        this.real = real;
        this.gate = gate;
        this.latencyMillis = latencyMillis;
    }

    @Override
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        long latency = latencyMillis.getAsLong();
        if (latency > 0) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(latency));
        gate.pass();
        real.sendOffsetsToTransaction(offsets, group);
    }

    @Override public void initTransactions() { real.initTransactions(); }
    @Override public void beginTransaction() { real.beginTransaction(); }
    @Override public void commitTransaction() { real.commitTransaction(); }
    @Override public void abortTransaction() { real.abortTransaction(); }
    @Override public void registerMetricForSubscription(KafkaMetric m) { real.registerMetricForSubscription(m); }
    @Override public void unregisterMetricFromSubscription(KafkaMetric m) { real.unregisterMetricFromSubscription(m); }
    @Override public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r) { return real.send(r); }
    @Override public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback c) { return real.send(r, c); }
    @Override public void flush() { real.flush(); }
    @Override public List<PartitionInfo> partitionsFor(String topic) { return real.partitionsFor(topic); }
    @Override public Map<MetricName, ? extends Metric> metrics() { return real.metrics(); }
    @Override public Uuid clientInstanceId(Duration timeout) { return real.clientInstanceId(timeout); }
    @Override public void close() { real.close(); }
    @Override public void close(Duration timeout) { real.close(timeout); }
}

package dev.outflow.router.internal;

import dev.outflow.codec.SchemaRegistryException;
import dev.outflow.codec.topics.Warmup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's one processor, per task (a partition of the submissions topic and the same
 * partition of each retry topic): decides each record with {@link RecordHandler} and forwards its
 * outputs to the sink, which writes each to the topic and partition the handler chose. Dedupe ids
 * live in a window store (retention {@code router.dedupe_window}); retry records read before they
 * are due wait in a key-value store ({@link WaitingRecords}) and are decided by a wall-clock
 * punctuator once due. Everything — outputs, store changes, input offsets — commits in the stream
 * thread's exactly-once transaction.
 */
final class RouteProcessor implements Processor<byte[], byte[], byte[], RouterTopology.Out> {
    private static final Logger log = LoggerFactory.getLogger(RouteProcessor.class);

    private final RecordHandler handler;
    private final RetryTopics retries;
    private final Refusals refusals;
    private final Transaction txn;
    private final Clock clock;
    private final long windowMillis;
    private final Duration releaseEvery;
    private ProcessorContext<byte[], RouterTopology.Out> context;
    private WindowStore<String, Long> ids;
    private KeyValueStore<Bytes, byte[]> waiting;

    RouteProcessor(RecordHandler handler, RetryTopics retries, Refusals refusals, Transaction txn, Clock clock, long windowMillis,
                   Duration releaseEvery) {
        this.handler = handler;
        this.retries = retries;
        this.refusals = refusals;
        this.txn = txn;
        this.clock = clock;
        this.windowMillis = windowMillis;
        this.releaseEvery = releaseEvery;
    }

    @Override
    public void init(ProcessorContext<byte[], RouterTopology.Out> context) {
        this.context = context;
        this.ids = context.getStateStore(RouterTopology.DEDUPE_STORE);
        this.waiting = context.getStateStore(RouterTopology.WAITING_STORE);
        context.schedule(releaseEvery, PunctuationType.WALL_CLOCK_TIME, t -> releaseDue());
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(m.topic(), m.partition(), m.offset(), r.timestamp(),
                TimestampType.CREATE_TIME, -1, -1, r.key(), r.value(), r.headers(), Optional.empty());
        if (Warmup.isWarmup(in)) return;
        long now = clock.millis();
        long dueAt = retries.dueAt(in);
        if (dueAt > now) {
            waiting.put(WaitingRecords.key(dueAt, in.topic(), in.partition(), in.offset()), WaitingRecords.value(in));
            return;
        }
        decide(in, now);
    }

    /** Decides the waiting records that are due, in due order. */
    private void releaseDue() {
        long now = clock.millis();
        List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = waiting.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> e = it.next();
                if (WaitingRecords.dueAt(e.key) > now) break;
                due.add(e);
            }
        }
        for (KeyValue<Bytes, byte[]> e : due) {
            waiting.delete(e.key);
            decide(WaitingRecords.record(e.value), now);
        }
    }

    private void decide(ConsumerRecord<byte[], byte[]> in, long now) {
        Refusals.Source source = new Refusals.Source(in.topic(), in.partition(), in.offset());
        RecordHandler.Decision d = decision(in, source, now);
        long ts = System.currentTimeMillis();
        for (ProducerRecord<byte[], byte[]> o : d.outputs()) {
            refusals.sent(o.value(), source);
            context.forward(new Record<>(o.key(), new RouterTopology.Out(o.topic(), o.partition(), o.value()), ts, o.headers()));
        }
        if (d.record()) ids.put(d.id(), now, now);
        txn.add(d, !retries.isRetryTopic(in.topic()));
    }

    private RecordHandler.Decision decision(ConsumerRecord<byte[], byte[]> in, Refusals.Source source, long now) {
        Refusals.Remedy remedy = refusals.remedy(source);
        if (remedy != Refusals.Remedy.NONE) {
            txn.remedied(source);
            Exception error = refusals.error(source);
            log.error("Router: the broker refuses the outputs of {}-{}@{} ({}); {}", in.topic(), in.partition(), in.offset(), error, remedy);
            return switch (remedy) {
                case REJECT -> handler.refused(in, error, true, now);
                case REJECT_WITHOUT_COPY -> handler.refused(in, error, false, now);
                default -> new RecordHandler.Decision(RecordHandler.Kind.REJECTED, "", false, List.of(), 0);
            };
        }
        try {
            return handler.handle(in, this::seen, now);
        } catch (SchemaRegistryException e) {
            throw e;
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
            // A bug (or a plugin throwing an Error past the chain) must not stall the partition:
            // the record is retried like a DENYSOFT, then dead-lettered with the error.
            log.error("Router failed on {}-{}@{}; retrying it later", in.topic(), in.partition(), in.offset(), e);
            return handler.internalError(in, e, now);
        }
    }

    private boolean seen(String id) {
        long now = clock.millis();
        try (WindowStoreIterator<Long> it = ids.fetch(id, Instant.ofEpochMilli(Math.max(0, now - windowMillis)), Instant.ofEpochMilli(now))) {
            return it.hasNext();
        }
    }
}

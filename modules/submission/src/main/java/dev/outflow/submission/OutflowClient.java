package dev.outflow.submission;

import dev.outflow.avro.Submission;
import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.IntakeRequest;
import dev.outflow.core.intake.IntakeResult;
import dev.outflow.core.intake.Origin;
import dev.outflow.core.intake.RejectKind;
import dev.outflow.router.SubmissionRouter;
import dev.outflow.stage.StageTopics;
import dev.outflow.submission.internal.OutcomeWatcher;
import dev.outflow.submission.internal.OutcomeWatcher.Outcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Outflow's Java API for sending mail (Haraka's {@code outbound.send_email}). The message goes to
 * the submissions topic, and the router — the one place where policy runs for every channel but
 * SMTP: validation, the queue_outbound hooks of the <em>server's</em> {@code plugins.dir}, limits,
 * dedupe — decides about it. The client then waits for that decision.
 *
 * <pre>{@code
 * try (OutflowClient client = OutflowClient.connect(config)) {
 *     String id = client.sendEmail("me@example.org", List.of("you@example.com"), bytes).join();
 * }
 * }</pre>
 *
 * <p>The future completes with the message id once the router queued the message on the outbound
 * topic. It fails with {@link SubmissionRejectedException} when the router rejected it (its
 * REJECTED event: validation, a limit, a queue_outbound DENY, or DENYSOFT until
 * {@code router.retry_intervals} was used up), with {@link QueueException} when the broker did not
 * acknowledge the submission (nothing was submitted; retry with the same id), and with
 * {@link OutcomeUnknownException} when the router reported nothing within
 * {@code client.outcome_timeout} (the submission is on the topic: the router is down, or a
 * queue_outbound plugin took the message, or it was a duplicate of a recent id, or it waits for a
 * retry). Completions run on virtual threads, never on a Kafka client thread.
 *
 * <p>Needs a running router ({@code outflow up} or {@code outflow router}). Thread-safe; share one
 * instance per process. A call may block briefly while the producer has no metadata or a full
 * buffer, and while the outcome reader takes the topics' end offsets.
 */
public final class OutflowClient implements AutoCloseable {
    private static final Executor COMPLETIONS = r -> Thread.ofVirtual().name("outflow-client-completion").start(r);
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final Producer<byte[], byte[]> producer;
    private final RecordSerde<Submission> submissions;
    private final String topic;
    private final OutcomeWatcher outcomes;
    private final Origin origin;

    private OutflowClient(Producer<byte[], byte[]> producer, RecordSerde<Submission> submissions, String topic, OutcomeWatcher outcomes,
                          Origin origin) {
        this.producer = producer;
        this.submissions = submissions;
        this.topic = topic;
        this.outcomes = outcomes;
        this.origin = origin;
    }

    /**
     * A client for {@code kafka.bootstrap.servers}, channel {@code api}.
     *
     * @throws ConfigException when the bootstrap servers are unset
     */
    public static OutflowClient connect(Config config) {
        return connect(config, Origin.api());
    }

    /**
     * A client recording {@code origin} as the source of its messages; only channels {@code api}
     * and {@code cli} are taken over by the router, anything else is recorded as {@code kafka}.
     */
    public static OutflowClient connect(Config config, Origin origin) {
        String bootstrap = config.get(OutflowKeys.KAFKA_BOOTSTRAP);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new ConfigException(OutflowKeys.KAFKA_BOOTSTRAP.name(), "not set (the embedded broker's address must be resolved first)");
        }
        String client = "outflow-client-" + CLIENTS.incrementAndGet();
        CodecFactory codecs = Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL), config.get(OutflowKeys.EVENTS_FORMAT));
        Topics topics = StageTopics.from(config);
        Properties consumer = consumerProperties(config, bootstrap, client + "-outcomes");
        OutcomeWatcher outcomes = new OutcomeWatcher(
                () -> new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                topics.outbound(), topics.bounced(), codecs.outboundMessage(), codecs.deliveryEvent(),
                config.get(OutflowKeys.CLIENT_OUTCOME_TIMEOUT));
        Producer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(config, bootstrap, client), new ByteArraySerializer(),
                new ByteArraySerializer());
        return new OutflowClient(producer, codecs.submission(), topics.submissions(), outcomes, origin);
    }

    /**
     * Idempotent, {@code acks=all} (a submission is either on the topic or reported failed), zstd
     * level 1, {@code max.request.size} for {@code outbound.max_message_bytes}, delivery timeout
     * {@code smtpd.queue_timeout}; {@code kafka.client.*} may tune anything but durability.
     */
    private static Properties producerProperties(Config config, String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.put(ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Long.toString(Math.min(Integer.MAX_VALUE, Topics.maxRecordBytes(config.get(OutflowKeys.MAX_MESSAGE_BYTES)))));
        long timeout = config.get(OutflowKeys.SMTPD_QUEUE_TIMEOUT).toMillis();
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1000, Math.min(15_000, timeout / 2))));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(timeout, 1010)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Math.min(10_000, timeout)));
        p.putAll(config.kafkaClientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }

    /**
     * The outcome reader: no group, {@code read_committed} (the router writes in transactions);
     * finding the topics' ends gives up after {@code smtpd.queue_timeout}, as the producer does.
     */
    private static Properties consumerProperties(Config config, String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        long timeout = Math.max(1000, config.get(OutflowKeys.SMTPD_QUEUE_TIMEOUT).toMillis());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout));
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(500, Math.min(15_000, timeout / 2))));
        p.putAll(config.kafkaClientProperties());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return p;
    }

    /** Sends a message with a fresh id. {@code from} null or "" is the null sender. */
    public CompletableFuture<String> sendEmail(String from, List<String> to, byte[] contents) {
        return sendEmail(null, from, to, contents, Map.of());
    }

    /** Sends a message given as text (encoded as UTF-8; line ends are normalised to CRLF by the router). */
    public CompletableFuture<String> sendEmail(String from, List<String> to, String contents) {
        return sendEmail(null, from, to, contents.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** Sends a message carrying plugin notes. */
    public CompletableFuture<String> sendEmail(String from, List<String> to, byte[] contents, Map<String, String> notes) {
        return sendEmail(null, from, to, contents, notes);
    }

    /**
     * Sends a message under a caller-chosen id (idempotency key: a second submission of it within
     * {@code router.dedupe_window} is queued once; it becomes the message id).
     *
     * @param id null for a fresh UUID
     */
    public CompletableFuture<String> sendEmail(String id, String from, List<String> to, byte[] contents, Map<String, String> notes) {
        return send(new IntakeRequest(id, from, to, contents, notes, origin));
    }

    /**
     * Sends a prepared request (its own origin is kept).
     *
     * @throws IllegalArgumentException when the request carries RFC 3461 DSN options: a submission
     *                                  record has no field for them (SMTP submission takes them)
     */
    public CompletableFuture<String> send(IntakeRequest request) {
        if (request.dsn() != null) {
            throw new IllegalArgumentException("DSN options (RFC 3461) cannot be carried through " + topic + "; submit over SMTP to use them");
        }
        String id = request.id() == null ? UUID.randomUUID().toString() : request.id();
        if (id.isBlank() || !Intake.validId(id)) {
            return CompletableFuture.failedFuture(new SubmissionRejectedException(new IntakeResult.Rejected(null, RejectKind.PERMANENT, 501,
                    "5.5.4", "Invalid message id (1-200 printable ASCII characters)")));
        }
        CompletableFuture<Outcome> outcome;
        CompletableFuture<Void> ack = new CompletableFuture<>();
        try {
            outcome = outcomes.watch(id);
            Submission s = new Submission(id, request.mailFrom() == null ? "" : request.mailFrom(), List.copyOf(request.recipients()),
                    ByteBuffer.wrap(request.contents()), Map.copyOf(request.notes()));
            producer.send(new ProducerRecord<>(topic, null, id.getBytes(StandardCharsets.UTF_8), submissions.serialize(topic, s),
                    originHeaders(request.origin())), (meta, error) -> {
                if (error == null) ack.complete(null);
                else ack.completeExceptionally(failure(id, error));
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(failure(id, e));
        } catch (KafkaException e) {
            return CompletableFuture.failedFuture(failure(id, e));
        }
        // A failed send leaves no submission: the outcome is not awaited any more.
        ack.whenComplete((ok, error) -> {
            if (error != null) outcome.completeExceptionally(error);
        });
        return ack.thenCompose(ok -> outcome).thenApplyAsync(OutflowClient::idOrThrow, COMPLETIONS);
    }

    private static RecordHeaders originHeaders(Origin origin) {
        RecordHeaders h = new RecordHeaders();
        h.add(SubmissionRouter.CHANNEL_HEADER, origin.channel().getBytes(StandardCharsets.UTF_8));
        if (origin.user() != null) h.add(SubmissionRouter.USER_HEADER, origin.user().getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private static String idOrThrow(Outcome o) {
        return switch (o) {
            case Outcome.Queued q -> q.id();
            case Outcome.Rejected r -> throw new SubmissionRejectedException(new IntakeResult.Rejected(r.id(),
                    r.code() >= 500 ? RejectKind.PERMANENT : RejectKind.TEMPORARY, r.code(), r.enhancedCode(), r.reason()));
            case Outcome.TimedOut t -> throw new OutcomeUnknownException(t.id(), t.timeout());
        };
    }

    private QueueException failure(String id, Throwable error) {
        return new QueueException(error instanceof RecordTooLargeException, "message " + id + " not acknowledged by Kafka on " + topic + ": "
                + error.getClass().getSimpleName() + ": " + error.getMessage(), error);
    }

    /** Sends what is buffered, waits up to 30 s for acknowledgements, closes the producer and the outcome reader. */
    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
        outcomes.close();
    }
}

package dev.outflow.submission;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.IntakeRequest;
import dev.outflow.core.intake.IntakeResult;
import dev.outflow.core.intake.Origin;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Outflow's Java API for sending mail (Haraka's {@code outbound.send_email}): validates the message,
 * runs the queue_outbound hooks, splits it per domain and queues it.
 *
 * <pre>{@code
 * try (OutflowClient client = OutflowClient.connect(config)) {
 *     String id = client.sendEmail("me@example.org", List.of("you@example.com"), bytes).join();
 * }
 * }</pre>
 *
 * <p>The future completes with the message id once the broker acknowledged every part (or a
 * queue_outbound plugin answered OK). It fails with {@link SubmissionRejectedException} when
 * validation or a plugin refused the message, and with {@link QueueException} when the broker did
 * not acknowledge in time (the message is not durably queued; retry with the same id). Completions
 * run on virtual threads, never on the Kafka producer thread.
 *
 * <p>Thread-safe; share one instance per process. A call may block briefly while the producer has
 * no metadata or a full buffer ({@code max.block.ms}).
 */
public final class OutflowClient implements AutoCloseable {
    private static final Executor COMPLETIONS = r -> Thread.ofVirtual().name("outflow-client-completion").start(r);

    private final Intake intake;
    private final OutboundQueue queue;
    private final Origin origin;
    private final boolean ownsQueue;

    /** A client over a given intake and queue (not closed by {@link #close()}), as channel {@code api}. */
    public OutflowClient(Intake intake, OutboundQueue queue) {
        this(intake, queue, Origin.api(), false);
    }

    /** As above with another origin, e.g. {@code new Origin("cli", null)} for {@code outflow send}. */
    public OutflowClient(Intake intake, OutboundQueue queue, Origin origin) {
        this(intake, queue, origin, false);
    }

    private OutflowClient(Intake intake, OutboundQueue queue, Origin origin, boolean ownsQueue) {
        this.intake = intake;
        this.queue = queue;
        this.origin = origin;
        this.ownsQueue = ownsQueue;
    }

    /**
     * A client with its own Kafka producer and the process's plugins, for {@code kafka.bootstrap.servers}.
     *
     * @throws dev.outflow.core.config.ConfigException on bad config or when the bootstrap servers are unset
     */
    public static OutflowClient connect(Config config) {
        return connect(config, Origin.api());
    }

    public static OutflowClient connect(Config config, Origin origin) {
        Intake intake = new Intake(config, PluginChain.load(config));
        return new OutflowClient(intake, KafkaOutboundQueue.create(config), origin, true);
    }

    /** Sends a message with a fresh id. {@code from} null or "" is the null sender. */
    public CompletableFuture<String> sendEmail(String from, List<String> to, byte[] contents) {
        return sendEmail(null, from, to, contents, Map.of());
    }

    /** Sends a message given as text (encoded as UTF-8; line ends are normalised to CRLF). */
    public CompletableFuture<String> sendEmail(String from, List<String> to, String contents) {
        return sendEmail(null, from, to, contents.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** Sends a message carrying plugin notes. */
    public CompletableFuture<String> sendEmail(String from, List<String> to, byte[] contents, Map<String, String> notes) {
        return sendEmail(null, from, to, contents, notes);
    }

    /**
     * Sends a message under a caller-chosen id (idempotency key; it becomes the message id).
     *
     * @param id null for a fresh UUID
     */
    public CompletableFuture<String> sendEmail(String id, String from, List<String> to, byte[] contents, Map<String, String> notes) {
        return send(new IntakeRequest(id, from, to, contents, notes, origin));
    }

    /** Sends a prepared request (its own origin is kept). */
    public CompletableFuture<String> send(IntakeRequest request) {
        IntakeResult result;
        try {
            result = intake.submit(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return switch (result) {
            case IntakeResult.Rejected r -> CompletableFuture.failedFuture(new SubmissionRejectedException(r));
            case IntakeResult.HandledByPlugin h -> CompletableFuture.completedFuture(h.id());
            case IntakeResult.Accepted a -> queue.enqueue(a.id(), a.parts()).handleAsync((ok, error) -> {
                if (error != null) throw error instanceof CompletionException ce ? ce : new CompletionException(error);
                return a.id();
            }, COMPLETIONS);
        };
    }

    /** Closes the producer when this client created it. */
    @Override
    public void close() {
        if (ownsQueue) queue.close();
    }
}

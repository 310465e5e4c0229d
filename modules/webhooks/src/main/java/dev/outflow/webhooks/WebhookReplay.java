package dev.outflow.webhooks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.codec.EventJson;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Posts events from the webhooks DLQ to their endpoint again, once its cause is fixed: the same
 * signed JSON batches the stage sends, at most {@code webhooks.batch_max} events each, one attempt
 * per batch (an operator is watching; the stage's retries are what put them in the DLQ). An
 * endpoint is found by the label in the record's {@value #ENDPOINT_HEADER} header among the
 * configured {@code webhooks.urls}; after its first failed batch it gets nothing more in this run,
 * so the events it has not acknowledged can be replayed again in order. Not thread-safe.
 *
 * <pre>{@code
 * try (WebhookReplay replay = WebhookReplay.fromConfig(config)) {
 *     for (each dead letter) replay.add(endpointLabel, value);
 *     replay.finish().forEach(System.out::println);
 * }
 * }</pre>
 */
public final class WebhookReplay implements AutoCloseable {
    /** The header naming the endpoint (its {@link Endpoint#label()}) a dead-lettered event was meant for. */
    public static final String ENDPOINT_HEADER = EndpointLoop.ENDPOINT_HEADER;

    /** What became of one endpoint's dead letters: posted, left (not acknowledged, or never tried), and why it stopped. */
    public record Report(String endpoint, int posted, int left, String failure) {
        public boolean ok() {
            return failure == null;
        }

        @Override
        public String toString() {
            return "replayed " + posted + " to " + endpoint + (ok() ? "" : "; " + left + " left, stopped: " + failure);
        }
    }

    private final int batchMax;
    private final RecordSerde<DeliveryEvent> serde;
    private final Map<String, Target> byLabel = new LinkedHashMap<>();
    private final Map<String, Report> unknown = new LinkedHashMap<>();
    private int undecodable;

    private WebhookReplay(Config config) {
        Webhooks.validate(config);
        this.batchMax = config.get(OutflowKeys.WEBHOOKS_BATCH_MAX);
        this.serde = Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL)).deliveryEvent();
        byte[] secret = config.get(OutflowKeys.WEBHOOKS_SECRET).getBytes(StandardCharsets.UTF_8);
        String prefix = config.get(OutflowKeys.TOPIC_PREFIX);
        for (String url : config.get(OutflowKeys.WEBHOOKS_URLS)) {
            Endpoint e = new Endpoint(url, prefix);
            byLabel.put(e.label(), new Target(e, new Poster(e, secret, config.get(OutflowKeys.WEBHOOKS_TIMEOUT))));
        }
    }

    /** The replay for {@code webhooks.*} of {@code config}; a configuration error names its key. */
    public static WebhookReplay fromConfig(Config config) {
        return new WebhookReplay(config);
    }

    /**
     * Queues one dead-lettered event (its Avro value) for {@code endpointLabel}, posting a batch
     * when one is full. Returns false when the event cannot be posted: it does not decode (it was
     * dead-lettered for that), or no configured URL has that label.
     */
    public boolean add(String endpointLabel, byte[] value) throws InterruptedException {
        Target t = endpointLabel == null ? null : byLabel.get(endpointLabel);
        if (t == null) {
            String name = endpointLabel == null ? "(no endpoint header)" : endpointLabel;
            Report r = unknown.getOrDefault(name, new Report(name, 0, 0, "not in webhooks.urls"));
            unknown.put(name, new Report(name, 0, r.left() + 1, r.failure()));
            return false;
        }
        DeliveryEvent e;
        try {
            e = serde.deserialize(null, value);
        } catch (RuntimeException bad) {
            e = null;
        }
        if (e == null) {
            undecodable++;
            return false;
        }
        if (t.failure != null) {
            t.left++;
            return true;
        }
        t.body.add(EventJson.of(e));
        if (t.body.size() >= batchMax) t.post();
        return true;
    }

    /** Events that did not decode (never posted: the endpoint could not read them either). */
    public int undecodable() {
        return undecodable;
    }

    /** Posts what is still batched; one report per endpoint that had dead letters, unknown endpoints last. */
    public List<Report> finish() throws InterruptedException {
        List<Report> out = new ArrayList<>();
        for (Target t : byLabel.values()) {
            if (!t.body.isEmpty()) t.post();
            if (t.posted + t.left > 0) out.add(new Report(t.endpoint.label(), t.posted, t.left, t.failure));
        }
        out.addAll(unknown.values());
        return out;
    }

    @Override
    public void close() {
        byLabel.values().forEach(t -> t.poster.close());
    }

    /** One configured endpoint during a replay. */
    private static final class Target {
        final Endpoint endpoint;
        final Poster poster;
        final ArrayNode body = JsonNodeFactory.instance.arrayNode();
        int posted;
        int left;
        String failure;

        Target(Endpoint endpoint, Poster poster) {
            this.endpoint = endpoint;
            this.poster = poster;
        }

        void post() throws InterruptedException {
            int events = body.size();
            byte[] bytes = Poster.body(body);
            body.removeAll();
            Poster.Result r = poster.post(bytes, events);
            if (r.ok()) {
                posted += events;
            } else {
                failure = r.failure().label() + ", " + r.detail();
                left += events;
            }
        }
    }
}

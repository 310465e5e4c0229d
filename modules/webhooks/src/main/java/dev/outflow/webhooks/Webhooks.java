package dev.outflow.webhooks;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.StageConsumerProps;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The webhooks stage: every delivery event on the event topics, as the JSON of
 * {@code outflow events}, POSTed in signed batches to each of {@code webhooks.urls}. One thread
 * and one consumer group per endpoint, so a slow or dead endpoint holds back only its own group;
 * progress is the group's committed offsets. See docs/webhooks.md.
 *
 * <pre>{@code
 * try (Webhooks w = Webhooks.fromConfig(config, kafkaProps).start()) { ... }
 * }</pre>
 */
public final class Webhooks implements AutoCloseable {
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final List<EndpointLoop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final KafkaProducer<byte[], byte[]> dlq;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final java.time.Duration timeout;

    private Webhooks(Config config, Map<String, Object> kafka) {
        validate(config);
        List<String> urls = config.get(OutflowKeys.WEBHOOKS_URLS);
        String secret = config.get(OutflowKeys.WEBHOOKS_SECRET);
        Topics topics = new Topics(config.get(OutflowKeys.TOPIC_PREFIX), config.get(OutflowKeys.SCHEDULER_BUCKETS));
        Set<Outcome> outcomes = EnumSet.noneOf(Outcome.class);
        config.get(OutflowKeys.WEBHOOKS_OUTCOMES).forEach(o -> outcomes.add(Outcome.valueOf(o.trim().toUpperCase(Locale.ROOT))));
        int batchMax = config.get(OutflowKeys.WEBHOOKS_BATCH_MAX);
        var settings = new EndpointLoop.Settings(List.of(topics.delivered(), topics.deferred(), topics.bounced()), topics.webhooksDlq(),
                outcomes, batchMax, config.get(OutflowKeys.WEBHOOKS_MAX_AGE), config.get(OutflowKeys.WEBHOOKS_BACKOFF_MAX));
        this.timeout = config.get(OutflowKeys.WEBHOOKS_TIMEOUT);
        RecordSerde<DeliveryEvent> serde = Serdes.forConfig(config.get(OutflowKeys.SCHEMA_REGISTRY_URL)).deliveryEvent();
        this.dlq = new KafkaProducer<>(producerProps(kafka), new ByteArraySerializer(), new ByteArraySerializer());
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        for (String url : urls) {
            Endpoint e = new Endpoint(url, topics.prefix());
            Map<String, Object> c = StageConsumerProps.of(kafka, e.group(), "outflow-" + e.group());
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchMax);
            endpoints.add(e);
            loops.add(new EndpointLoop(e, settings, new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                    dlq, serde, new Poster(e, key, timeout)));
        }
    }

    /**
     * Checks what the single keys cannot: at least one URL, no URL twice, a secret. Throws
     * {@link ConfigException} naming the key (exit code 2), before anything connects.
     */
    public static void validate(Config config) {
        List<String> urls = config.get(OutflowKeys.WEBHOOKS_URLS);
        if (urls.isEmpty()) throw new ConfigException(OutflowKeys.WEBHOOKS_URLS.name(), "no endpoint configured");
        String secret = config.get(OutflowKeys.WEBHOOKS_SECRET);
        if (secret == null || secret.isBlank()) {
            throw new ConfigException(OutflowKeys.WEBHOOKS_SECRET.name(), "must be set when webhooks.urls is set: every POST is signed with it");
        }
        if (new HashSet<>(urls.stream().map(String::trim).toList()).size() != urls.size()) {
            throw new ConfigException(OutflowKeys.WEBHOOKS_URLS.name(), "lists an endpoint twice");
        }
    }

    /** The stage for {@code webhooks.*} of {@code config}; {@code kafka} holds the client settings (bootstrap, security). */
    public static Webhooks fromConfig(Config config, Map<String, Object> kafka) {
        return new Webhooks(config, kafka);
    }

    private static Map<String, Object> producerProps(Map<String, Object> kafka) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "outflow-webhooks-dlq");
        return p;
    }

    /** Starts one thread per endpoint. */
    public Webhooks start() {
        for (int i = 0; i < loops.size(); i++) {
            EndpointLoop loop = loops.get(i);
            Thread t = Thread.ofPlatform().name("webhooks-" + i).unstarted(() -> {
                try {
                    loop.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    org.slf4j.LoggerFactory.getLogger(Webhooks.class).error("webhook {} stopped: {}", endpoints.get(loops.indexOf(loop)), e.toString(), e);
                }
            });
            threads.add(t);
            t.start();
        }
        return this;
    }

    public List<Endpoint> endpoints() {
        return List.copyOf(endpoints);
    }

    /** Partitions held by every endpoint's consumer, together. */
    public Set<TopicPartition> assignment() {
        Set<TopicPartition> all = new HashSet<>();
        loops.forEach(l -> all.addAll(l.assignment()));
        return all;
    }

    /** True when every endpoint's consumer holds partitions. */
    public boolean assigned() {
        return loops.stream().allMatch(l -> !l.assignment().isEmpty());
    }

    /** Why an endpoint's thread stopped on its own, if one did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    public boolean isRunning() {
        return threads.stream().allMatch(Thread::isAlive);
    }

    /** Stops the endpoints; a batch not yet acknowledged stays uncommitted and is sent again on the next start. */
    @Override
    public void close() throws InterruptedException {
        loops.forEach(EndpointLoop::stop);
        for (Thread t : threads) t.join(timeout.toMillis() + 10_000);
        dlq.close(java.time.Duration.ofSeconds(5));
    }
}

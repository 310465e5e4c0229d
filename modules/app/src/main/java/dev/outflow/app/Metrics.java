package dev.outflow.app;

import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.disposition.DispositionPlan;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The process's one metrics path: a Micrometer registry scraped as Prometheus text on
 * {@code /metrics}. Holds JVM and process meters, each stage's counters (tagged {@code stage}),
 * consumer lag per group and partition (see {@link LagGauges}), and the delivery timers:
 * {@code outflow_delivery_delay_seconds} (queued → outcome, per recipient, tagged {@code outcome})
 * and {@code outflow_delivery_attempt_seconds} (one SMTP/LMTP attempt, tagged {@code result}), both
 * histograms. Names keep the {@code outflow_} prefix; Micrometer's Prometheus naming adds the
 * {@code _total}/{@code _seconds} suffixes. Thread-safe.
 */
final class Metrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /**
     * The suppliers behind {@link #counter} and {@link #gauge}: Micrometer holds a function
     * counter's object only weakly, and a method reference handed to it is referenced nowhere
     * else, so the first garbage collection froze such a counter at its last value for good.
     */
    private final java.util.List<LongSupplier> suppliers = new java.util.concurrent.CopyOnWriteArrayList<>();

    Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** A count that only grows. {@code name} without the {@code _total} suffix, e.g. {@code outflow.worker.delivered}. */
    void counter(String name, String stage, String doc, LongSupplier value) {
        suppliers.add(value);
        FunctionCounter.builder(name, value, v -> v.getAsLong()).tags(Tags.of("stage", stage)).description(doc).register(registry);
    }

    /** A count with more labels than {@code stage}: {@code tags} are name, value pairs (e.g. "endpoint", url). */
    void counter(String name, String stage, String doc, LongSupplier value, String... tags) {
        suppliers.add(value);
        FunctionCounter.builder(name, value, v -> v.getAsLong()).tags(Tags.of("stage", stage).and(tags)).description(doc).register(registry);
    }

    /** A value that goes up and down. */
    void gauge(String name, String stage, String doc, LongSupplier value) {
        Gauge.builder(name, value, v -> v.getAsLong()).tags(Tags.of("stage", stage)).description(doc).strongReference(true).register(registry);
    }

    /** Records one delivery attempt (called on delivery threads). */
    void attempt(DeliveryResult r, Duration took) {
        String result = r.recipients().isEmpty() ? "none" : switch (r.recipients().getFirst().status()) {
            case DELIVERED -> "delivered";
            case DEFERRED -> "deferred";
            case BOUNCED -> "bounced";
        };
        Timer.builder("outflow.delivery.attempt").description("Duration of one delivery attempt (MX lookup, connection, SMTP/LMTP transaction).")
                .tags("stage", "worker", "result", result).publishPercentileHistogram().register(registry).record(took);
    }

    /** Records the delay of every recipient of a decided attempt, and its domain's outcome counts. */
    void decision(DispositionPlan plan) {
        String d = plan.delivery().domain();
        domain(d, "delivered", plan.delivered().size());
        plan.deferred().ifPresent(f -> domain(d, "deferred", f.recipients().size()));
        plan.bounced().ifPresent(b -> domain(d, "bounced", b.recipients().size()));
        if (plan.delivery().queuedAt() == null) return;
        Duration delay = Duration.between(plan.delivery().queuedAt(), plan.at());
        delay(plan.delivered().size(), "delivered", delay);
        plan.deferred().ifPresent(f -> delay(f.recipients().size(), "deferred", delay));
        delay(plan.dropped().size(), "dropped", delay);
        plan.bounced().ifPresent(b -> delay(b.recipients().size(), "bounced", delay));
    }

    /**
     * Per-domain outcome counts, for alerting on one domain's bounce rate. Label values are capped
     * at {@link #MAX_DOMAIN_LABELS} distinct domains (later ones count under {@code other}) so that
     * a spammer's random domains cannot blow up the scrape or Prometheus.
     */
    static final int MAX_DOMAIN_LABELS = 200;
    private final java.util.Set<String> labelledDomains = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void domain(String domain, String outcome, int recipients) {
        if (recipients == 0) return;
        String label = labelledDomains.contains(domain) || (labelledDomains.size() < MAX_DOMAIN_LABELS && labelledDomains.add(domain))
                ? domain : "other";
        io.micrometer.core.instrument.Counter.builder("outflow.domain.recipients")
                .description("Recipients decided per domain and outcome (domains beyond " + MAX_DOMAIN_LABELS + " count as 'other').")
                .tags("stage", "worker", "domain", label, "outcome", outcome).register(registry).increment(recipients);
    }

    private void delay(int recipients, String outcome, Duration delay) {
        if (recipients == 0) return;
        Timer t = Timer.builder("outflow.delivery.delay").description("Time from queueing to an outcome, per recipient.")
                .tags("stage", "worker", "outcome", outcome).publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofDays(3)).register(registry);
        for (int i = 0; i < recipients; i++) t.record(delay);
    }

    /** The Prometheus text exposition. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}

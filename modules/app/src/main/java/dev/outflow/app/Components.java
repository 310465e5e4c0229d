package dev.outflow.app;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.mx.MxResolver;
import dev.outflow.reporting.Reporting;
import dev.outflow.reporting.ReportingApi;
import dev.outflow.scheduler.RetryScheduler;
import dev.outflow.webhooks.Endpoint;
import dev.outflow.webhooks.Failure;
import dev.outflow.webhooks.Webhooks;
import dev.outflow.router.SubmissionRouter;
import dev.outflow.router.internal.RetryTopics;
import dev.outflow.core.retry.RetrySchedule;
import dev.outflow.worker.DeliveryWorker;
import dev.outflow.submission.KafkaOutboundQueue;
import dev.outflow.submission.smtpd.SubmissionServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.outflow.core.config.ConfigLoader;
import dev.outflow.core.config.LiveConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Outflow's long-running stages against one Kafka cluster and stops them in reverse order.
 * {@code outflow up} starts all of them in one process; {@code outflow worker} and friends start one.
 */
final class Components implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Components.class);

    private final Context ctx;
    private final PluginChain plugins;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();

    private final LiveConfig live;
    private HttpEndpoint http;
    private final Metrics metrics = new Metrics();
    private LagGauges lag;
    private DeliveryWorker worker;
    private final ScheduledExecutorService reloader;

    /** Components over a fixed configuration. */
    Components(Context ctx) {
        this(ctx, null);
    }

    /** Components whose hot keys follow the config file of {@code loader} (checked every second). */
    Components(Context ctx, ConfigLoader loader) {
        this.ctx = ctx;
        // Unusable DKIM keys stop the process before any stage starts (exit 2 naming the file).
        dev.outflow.core.dkim.DkimKeys.fromConfig(ctx.config());
        this.plugins = PluginChain.load(ctx.config());
        this.live = loader == null ? LiveConfig.fixed(ctx.config()) : new LiveConfig(loader, ctx.config());
        this.reloader = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("config-reload").unstarted(r));
        if (loader != null) reloader.scheduleWithFixedDelay(live::refresh, 1, 1, TimeUnit.SECONDS);
    }

    /** Every stage, as {@code outflow up} runs them: consumers first, intake last. */
    Components all() throws Exception {
        scheduler();
        worker();
        router();
        if (ctx.config().get(OutflowKeys.REPORTING_ENABLED)) reporting();
        if (!ctx.config().get(OutflowKeys.WEBHOOKS_URLS).isEmpty()) webhooks();
        if (ctx.config().get(OutflowKeys.SMTPD_ENABLED)) smtpd();
        return this;
    }

    /** POSTs the delivery events to webhooks.urls, one consumer group per endpoint (docs/webhooks.md). */
    Components webhooks() {
        Webhooks webhooks = Webhooks.fromConfig(ctx.config(), ctx.kafka()).start();
        started.add(webhooks);
        http().stage(HealthMonitor.Stage.listener("webhooks", () -> stopped(webhooks.isRunning(), webhooks.failure())));
        List<String> eventTopics = List.of(ctx.topics().delivered(), ctx.topics().deferred(), ctx.topics().bounced());
        Set<String> labels = new java.util.HashSet<>();
        for (Endpoint e : webhooks.endpoints()) {
            // URLs that differ only in the hidden query string still get counters of their own.
            String label = e.label();
            for (int n = 2; !labels.add(label); n++) label = e.label() + " #" + n;
            metrics.counter("outflow.webhooks.batches", "webhooks", "Event batches the endpoint acknowledged with 2xx.", e::batches, "endpoint", label);
            metrics.counter("outflow.webhooks.events", "webhooks", "Events in acknowledged batches.", e::events, "endpoint", label);
            metrics.counter("outflow.webhooks.dead_lettered", "webhooks", "Events written to the webhooks DLQ (undelivered for webhooks.max_age, or undecodable).",
                    e::deadLettered, "endpoint", label);
            for (Failure f : Failure.values()) {
                metrics.counter("outflow.webhooks.failures", "webhooks", "Failed POSTs by kind: unreachable, tls, timeout, status_4xx, status_5xx, other.",
                        () -> e.failures(f), "endpoint", label, "reason", f.label());
            }
            lag.watch(e.group(), eventTopics);
        }
        lines.add("webhooks   " + webhooks.endpoints().size() + " endpoint(s): "
                + String.join(", ", webhooks.endpoints().stream().map(Endpoint::label).toList()) + " (groups " + ctx.group("webhooks.*") + ")");
        return this;
    }

    /** Reporting (Kafka Streams) with its JSON API under /api of the HTTP endpoint. */
    Components reporting() {
        String token = ctx.config().get(OutflowKeys.HTTP_TOKEN);
        var listen = ctx.config().get(OutflowKeys.HTTP_LISTEN);
        if ((token == null || token.isBlank()) && !loopback(listen.host())) {
            throw new dev.outflow.core.config.ConfigException(OutflowKeys.HTTP_TOKEN.name(),
                    "must be set when http.listen (" + listen + ") is not a loopback address: /api serves message data");
        }
        HttpEndpoint h = http();
        Reporting reporting = Reporting.fromConfig(ctx.config(), ctx.kafka(), Reporting.advertised(ctx.config(), h.address())).start();
        started.add(reporting);
        h.route("/api/", new ReportingApi(reporting, token));
        dashboard(h, token);
        h.stage(HealthMonitor.Stage.listener("reporting", () -> switch (reporting.state()) {
            case "ERROR", "PENDING_ERROR", "NOT_RUNNING", "PENDING_SHUTDOWN" -> "kafka streams " + reporting.state();
            default -> null;
        }));
        metrics.counter("outflow.reporting.events", "reporting", "Events read by this reporting instance.", reporting::events);
        metrics.counter("outflow.reporting.undecodable", "reporting", "Event records that did not decode (sent to the DLQ).", reporting::undecodable);
        metrics.counter("outflow.reporting.duplicates", "reporting", "Duplicate events recognised and not counted again.", reporting::duplicates);
        metrics.counter("outflow.reporting.suppressed", "reporting", "Addresses suppressed after a bad-mailbox bounce.", reporting::suppressedByBounce);
        metrics.gauge("outflow.reporting.lag", "reporting", "Records of the reporting inputs not yet processed by this instance.", reporting::lag);
        var a = h.address();
        lines.add("reporting  tracking, statistics, suppressions on http://" + a.getAddress().getHostAddress() + ":" + a.getPort()
                + "/api (state in " + Reporting.stateDir(ctx.config()) + ")");
        return this;
    }

    /** The live dashboard at / and its endpoints (pages over reporting's /api; docs/dashboard.md). */
    private void dashboard(HttpEndpoint h, String token) {
        GroupMembers members = new GroupMembers(ctx.kafka(), List.of(ctx.group("worker"), ctx.group("scheduler"), ctx.group("router")));
        started.add(members);
        // The rules were checked when reporting started, so loading them again cannot fail here.
        RecentBounces bounces = new RecentBounces(ctx, dev.outflow.reporting.bounce.BounceClassifier.load(ctx.config().get(OutflowKeys.REPORTING_BOUNCE_RULES)));
        started.add(bounces);
        DeliveryWorker w = worker;
        DashboardApi api = new DashboardApi(new BearerToken(token), lag::snapshot, members, bounces,
                () -> w == null ? null : w.isPaused(),
                command -> String.valueOf(ControlCommands.send(ctx, command, "dashboard").getIssuedBy()));
        for (String route : DashboardApi.routes()) h.route(route, api);
        h.route("/", new DashboardAssets());
        var a = h.address();
        lines.add("dashboard  http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/");
    }

    private static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The health and metrics endpoint, started with the first stage. */
    private HttpEndpoint http() {
        if (http == null) {
            try {
                http = new HttpEndpoint(ctx.config().get(OutflowKeys.HTTP_LISTEN), new HealthMonitor(ctx.kafka()), metrics);
                lag = new LagGauges(ctx.kafka(), metrics.registry());
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen on http.listen=" + ctx.config().get(OutflowKeys.HTTP_LISTEN) + ": " + e.getMessage(), e);
            }
            started.add(0, http);
            started.add(0, lag);
            var a = http.address();
            lines.add(0, "http       http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/health, /ready and /metrics");
        }
        return http;
    }

    Components worker() {
        worker = DeliveryWorker.configure(live, ctx.kafka(), MxResolver.fromConfig(ctx.config()), plugins)
                .observe(metrics::attempt, metrics::decision).build().start();
        started.add(worker);
        HttpEndpoint h = http();
        h.stage(new HealthMonitor.Stage("worker", () -> stopped(worker.isRunning(), worker.failure()), ctx.group("worker"),
                worker::assignment, ctx.config().get(OutflowKeys.TOPIC_OUTBOUND_PARTITIONS)));
        metrics.counter("outflow.worker.delivered", "worker", "Message parts (one per domain) delivered by this worker.", worker::delivered);
        metrics.counter("outflow.worker.deferred", "worker", "Message parts deferred by this worker.", worker::deferred);
        metrics.counter("outflow.worker.bounced", "worker", "Message parts bounced by this worker.", worker::bounced);
        metrics.counter("outflow.worker.dropped", "worker", "Message parts dropped by a deferred hook.", worker::dropped);
        metrics.counter("outflow.worker.rejected", "worker", "Invalid outbound records rejected.", worker::rejected);
        metrics.counter("outflow.worker.dlq", "worker", "Records sent to the dead-letter topic.", worker::deadLettered);
        metrics.counter("outflow.worker.parked", "worker", "Records parked because their domain was at its limit.", worker::parked);
        metrics.gauge("outflow.worker.in_flight", "worker", "Deliveries in progress.", worker::inFlight);
        metrics.gauge("outflow.worker.suspended_destinations", "worker", "Destinations suspended by a back-off (docs/shaping.md).",
                worker::suspendedDestinations);
        metrics.counter("outflow.worker.shaping_held", "worker", "Deliveries held back by a shaping rate.", worker::shapingHeld);
        lag.watch(ctx.group("worker"), List.of(ctx.topics().outbound()));
        lines.add("worker     consuming " + ctx.topics().outbound() + " (group " + ctx.group("worker") + ", up to "
                + ctx.config().get(OutflowKeys.CONCURRENCY_MAX) + " deliveries at once)");
        return this;
    }

    Components scheduler() {
        RetryScheduler scheduler = RetryScheduler.fromConfig(live, ctx.kafka()).start();
        started.add(scheduler);
        http().stage(new HealthMonitor.Stage("scheduler", () -> stopped(true, scheduler.failure()), ctx.group("scheduler"),
                () -> scheduler.assignedPartitions() > 0 ? Set.of(new org.apache.kafka.common.TopicPartition(ctx.topics().deferred(), 0)) : Set.of(),
                ctx.config().get(OutflowKeys.TOPIC_PARTITIONS)));
        metrics.gauge("outflow.scheduler.partitions", "scheduler", "Partitions assigned to this scheduler.", scheduler::assignedPartitions);
        List<String> schedulerTopics = new ArrayList<>(ctx.topics().delayTopics());
        schedulerTopics.add(0, ctx.topics().deferred());
        lag.watch(ctx.group("scheduler"), schedulerTopics);
        lines.add("scheduler  delay buckets " + String.join(",", ctx.config().get(OutflowKeys.SCHEDULER_BUCKETS))
                + " (group " + ctx.group("scheduler") + ")");
        return this;
    }

    Components router() {
        SubmissionRouter router = SubmissionRouter.fromConfig(live, ctx.kafka(), plugins).start();
        started.add(router);
        HttpEndpoint h = http();
        h.stage(new HealthMonitor.Stage("router", () -> null, ctx.group("router"), router::assignment,
                ctx.config().get(OutflowKeys.TOPIC_PARTITIONS)));
        metrics.counter("outflow.router.submissions", "router", "Submissions read.", router::submissions);
        metrics.counter("outflow.router.accepted", "router", "Submissions queued.", router::accepted);
        metrics.counter("outflow.router.duplicates", "router", "Submissions skipped as duplicates of a recent id.", router::duplicates);
        metrics.counter("outflow.router.rejected", "router", "Submissions rejected (DLQ + REJECTED event).", router::rejected);
        metrics.counter("outflow.router.retried", "router",
                "Submissions put on a retry topic after a temporary refusal (queue_outbound DENYSOFT, a failing plugin).", router::retried);
        List<String> routerTopics = new ArrayList<>(List.of(ctx.topics().submissions()));
        routerTopics.addAll(RetryTopics.topics(ctx.topics().prefix(), RetrySchedule.parse(ctx.config().get(OutflowKeys.ROUTER_RETRY_INTERVALS))));
        lag.watch(ctx.group("router"), routerTopics);
        lines.add("router     " + ctx.topics().submissions() + " -> " + ctx.topics().outbound() + " (group " + ctx.group("router") + ")");
        return this;
    }

    /** Config with the resolved bootstrap address, for components that read it from config. */
    Config kafkaConfig() {
        return KafkaBase.clientConfig(ctx.config(), (String) ctx.kafka().get("bootstrap.servers"));
    }

    Components smtpd() throws IOException {
        Config config = kafkaConfig();
        KafkaOutboundQueue queue = KafkaOutboundQueue.create(config);
        started.add(queue);
        SubmissionServer server = new SubmissionServer(config, new Intake(config, plugins), queue).start();
        started.add(server);
        http().stage(HealthMonitor.Stage.listener("smtpd", () -> null));
        metrics.gauge("outflow.smtpd.connections", "smtpd", "Open SMTP submission connections.", server::openConnections);
        lines.add("smtpd      SMTP submission on " + server.address().getAddress().getHostAddress() + ":" + server.port()
                + " (STARTTLS, AUTH from " + config.get(OutflowKeys.SMTPD_USERS) + ")");
        return this;
    }

    /** A stage's health problem: it stopped (on its own, with the error, or was closed), or null. */
    private static String stopped(boolean running, java.util.Optional<Throwable> failure) {
        if (failure.isPresent()) return "stopped: " + failure.get();
        return running ? null : "stopped";
    }

    /** What listens where, one line per component. */
    List<String> describe() {
        return lines;
    }

    @Override
    public void close() {
        reloader.shutdownNow();
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                log.warn("Stopping {} failed: {}", started.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        started.clear();
    }
}

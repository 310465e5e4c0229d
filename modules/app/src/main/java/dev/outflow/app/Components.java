package dev.outflow.app;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.mx.MxResolver;
import dev.outflow.reporting.Reporting;
import dev.outflow.reporting.ReportingApi;
import dev.outflow.scheduler.RetryScheduler;
import dev.outflow.submission.router.SubmissionRouter;
import dev.outflow.worker.DeliveryWorker;
import dev.outflow.submission.KafkaOutboundQueue;
import dev.outflow.submission.smtpd.SubmissionServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
    private final ScheduledExecutorService reloader;

    /** Components over a fixed configuration. */
    Components(Context ctx) {
        this(ctx, null);
    }

    /** Components whose hot keys follow the config file of {@code loader} (checked every second). */
    Components(Context ctx, ConfigLoader loader) {
        this.ctx = ctx;
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
        if (ctx.config().get(OutflowKeys.SMTPD_ENABLED)) smtpd();
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
        h.stage("reporting");
        h.metric("outflow_reporting_events_total", "Events read by this reporting instance.", reporting::events);
        h.metric("outflow_reporting_undecodable_total", "Event records that did not decode (sent to the DLQ).", reporting::undecodable);
        h.metric("outflow_reporting_duplicates_total", "Duplicate events recognised and not counted again.", reporting::duplicates);
        h.metric("outflow_reporting_suppressed_total", "Addresses suppressed after a bad-mailbox bounce.", reporting::suppressedByBounce);
        h.metric("outflow_reporting_lag", "Records of the reporting inputs not yet processed by this instance.", reporting::lag);
        var a = h.address();
        lines.add("reporting  tracking, statistics, suppressions on http://" + a.getAddress().getHostAddress() + ":" + a.getPort()
                + "/api (state in " + Reporting.stateDir(ctx.config()) + ")");
        return this;
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
                http = new HttpEndpoint(ctx.config().get(OutflowKeys.HTTP_LISTEN));
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen on http.listen=" + ctx.config().get(OutflowKeys.HTTP_LISTEN) + ": " + e.getMessage(), e);
            }
            started.add(0, http);
            var a = http.address();
            lines.add(0, "http       http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/health and /metrics");
        }
        return http;
    }

    Components worker() {
        DeliveryWorker worker = DeliveryWorker.configure(live, ctx.kafka(), MxResolver.fromConfig(ctx.config()), plugins).build().start();
        started.add(worker);
        HttpEndpoint h = http();
        h.stage("worker");
        h.metric("outflow_worker_delivered_total", "Message parts (one per domain) delivered by this worker.", worker::delivered);
        h.metric("outflow_worker_deferred_total", "Message parts deferred by this worker.", worker::deferred);
        h.metric("outflow_worker_bounced_total", "Message parts bounced by this worker.", worker::bounced);
        h.metric("outflow_worker_dropped_total", "Message parts dropped by a deferred hook.", worker::dropped);
        h.metric("outflow_worker_rejected_total", "Invalid outbound records rejected.", worker::rejected);
        h.metric("outflow_worker_dlq_total", "Records sent to the dead-letter topic.", worker::deadLettered);
        h.metric("outflow_worker_parked_total", "Records parked because their domain was at its limit.", worker::parked);
        h.metric("outflow_worker_in_flight", "Deliveries in progress.", worker::inFlight);
        lines.add("worker     consuming " + ctx.topics().outbound() + " (group " + ctx.group("worker") + ", up to "
                + ctx.config().get(OutflowKeys.CONCURRENCY_MAX) + " deliveries at once)");
        return this;
    }

    Components scheduler() {
        RetryScheduler scheduler = RetryScheduler.fromConfig(live, ctx.kafka()).start();
        started.add(scheduler);
        http().stage("scheduler");
        http().metric("outflow_scheduler_partitions", "Partitions assigned to this scheduler.", scheduler::assignedPartitions);
        lines.add("scheduler  delay buckets " + String.join(",", ctx.config().get(OutflowKeys.SCHEDULER_BUCKETS))
                + " (group " + ctx.group("scheduler") + ")");
        return this;
    }

    Components router() {
        SubmissionRouter router = SubmissionRouter.fromConfig(live, ctx.kafka(), plugins).start();
        started.add(router);
        HttpEndpoint h = http();
        h.stage("router");
        h.metric("outflow_router_submissions_total", "Submissions read.", router::submissions);
        h.metric("outflow_router_accepted_total", "Submissions queued.", router::accepted);
        h.metric("outflow_router_duplicates_total", "Submissions skipped as duplicates of a recent id.", router::duplicates);
        h.metric("outflow_router_rejected_total", "Submissions rejected (DLQ + REJECTED event).", router::rejected);
        lines.add("router     " + ctx.topics().submissions() + " -> " + ctx.topics().outbound() + " (group " + ctx.group("router") + ")");
        return this;
    }

    /** Config with the resolved bootstrap address, for components that read it from config. */
    Config kafkaConfig() {
        return ctx.config().with(OutflowKeys.KAFKA_BOOTSTRAP, (String) ctx.kafka().get("bootstrap.servers"));
    }

    Components smtpd() throws IOException {
        Config config = kafkaConfig();
        KafkaOutboundQueue queue = KafkaOutboundQueue.create(config);
        started.add(queue);
        SubmissionServer server = new SubmissionServer(config, new Intake(config, plugins), queue).start();
        started.add(server);
        http().stage("smtpd");
        http().metric("outflow_smtpd_connections", "Open SMTP submission connections.", server::openConnections);
        lines.add("smtpd      SMTP submission on " + server.address().getAddress().getHostAddress() + ":" + server.port()
                + " (STARTTLS, AUTH from " + config.get(OutflowKeys.SMTPD_USERS) + ")");
        return this;
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

package dev.outflow.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.outflow.core.config.HostPort;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The process's HTTP endpoint on {@code http.listen}: {@code GET /health} (200 with the running
 * stages, 503 with the reasons when Kafka is unreachable or a stage stopped: a liveness probe),
 * {@code GET /ready} (200 once every stage has joined its consumer group: a readiness probe) and
 * {@code GET /metrics} (Prometheus text format from the process's {@link Metrics} registry).
 * Stages may mount routes of their own ({@link #route}), such as reporting's {@code /api}.
 */
final class HttpEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final HealthMonitor monitor;
    private final Metrics metrics;

    HttpEndpoint(HostPort listen, HealthMonitor monitor, Metrics metrics) throws IOException {
        this.monitor = monitor;
        this.metrics = metrics;
        server = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/health", ex -> reply(ex, verdict(monitor.health())));
        server.createContext("/ready", ex -> reply(ex, verdict(monitor.readiness())));
        server.createContext("/metrics", ex -> reply(ex, new Answer(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape())));
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    /** Mounts a handler under a path prefix (e.g. reporting's {@code /api/}); it does its own auth and methods. */
    void route(String prefix, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(prefix, handler);
    }

    void stage(HealthMonitor.Stage stage) {
        monitor.add(stage);
    }

    private record Answer(int status, String type, String body) {}

    private Answer verdict(HealthMonitor.Verdict v) {
        StringBuilder sb = new StringBuilder("{\"status\":\"").append(v.ok() ? "up" : "down").append("\",\"stages\":[");
        List<String> names = monitor.stageNames();
        for (int i = 0; i < names.size(); i++) sb.append(i == 0 ? "" : ",").append(Json.quote(names.get(i)));
        sb.append(']');
        if (!v.ok()) {
            sb.append(",\"reasons\":[");
            for (int i = 0; i < v.reasons().size(); i++) sb.append(i == 0 ? "" : ",").append(Json.quote(v.reasons().get(i)));
            sb.append(']');
        }
        return new Answer(v.ok() ? 200 : 503, "application/json", sb.append("}\n").toString());
    }

    private static void reply(HttpExchange ex, Answer a) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] b = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", a.type());
            ex.sendResponseHeaders(a.status(), "HEAD".equals(ex.getRequestMethod()) ? -1 : b.length);
            if ("HEAD".equals(ex.getRequestMethod())) return;
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        monitor.close();
        metrics.close();
    }
}

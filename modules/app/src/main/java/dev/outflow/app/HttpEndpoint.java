package dev.outflow.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.outflow.core.config.HostPort;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

/**
 * The process's HTTP endpoint on {@code http.listen}: {@code GET /health} (200 with the running
 * stages, for load balancers and orchestrators) and {@code GET /metrics} (Prometheus text format:
 * counters and gauges registered by the stages), plus the routes stages mount ({@link #route}),
 * such as reporting's {@code /api}.
 */
final class HttpEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, LongSupplier> metrics = new ConcurrentSkipListMap<>();
    private final Map<String, String> help = new ConcurrentSkipListMap<>();
    private final java.util.List<String> stages = new java.util.concurrent.CopyOnWriteArrayList<>();

    HttpEndpoint(HostPort listen) throws IOException {
        server = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/health", ex -> reply(ex, "application/json", health()));
        server.createContext("/metrics", ex -> reply(ex, "text/plain; version=0.0.4", metricsText()));
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    /** Mounts a handler under a path prefix (e.g. reporting's {@code /api/}); it does its own auth and methods. */
    void route(String prefix, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(prefix, handler);
    }

    void stage(String name) {
        stages.add(name);
    }

    /** Registers a metric: names ending in {@code _total} are counters, others gauges. */
    void metric(String name, String doc, LongSupplier value) {
        metrics.put(name, value);
        help.put(name, doc);
    }

    private String health() {
        StringBuilder sb = new StringBuilder("{\"status\":\"up\",\"stages\":[");
        for (int i = 0; i < stages.size(); i++) sb.append(i == 0 ? "" : ",").append('"').append(stages.get(i)).append('"');
        return sb.append("]}\n").toString();
    }

    private String metricsText() {
        StringBuilder sb = new StringBuilder();
        metrics.forEach((name, value) -> {
            sb.append("# HELP ").append(name).append(' ').append(help.get(name)).append('\n');
            sb.append("# TYPE ").append(name).append(name.endsWith("_total") ? " counter\n" : " gauge\n");
            sb.append(name).append(' ').append(value.getAsLong()).append('\n');
        });
        return sb.toString();
    }

    private static void reply(HttpExchange ex, String type, String body) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

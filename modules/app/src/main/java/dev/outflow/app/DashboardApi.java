package dev.outflow.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.outflow.avro.Command;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's own JSON endpoints, next to reporting's under {@code /api} (documented in
 * {@code docs/api.md}):
 * <pre>
 * GET  /api/dashboard                       {"tokenRequired": bool} (open: the page asks for a token only when needed)
 * GET  /api/queues                          waiting records and oldest age per group and topic (from {@link LagGauges})
 * GET  /api/workers                         members of the stages' consumer groups with their partitions
 * GET  /api/bounces                         the last bounced recipients with class and reply
 * POST /api/control/pause|resume|flush      the control commands of {@code outflow pause|resume|flush}
 * </pre>
 * Everything but {@code /api/dashboard} needs the bearer token when {@code http.token} is set. A
 * control POST must carry {@code Content-Type: application/json}: a cross-site form cannot send
 * that without a CORS preflight, which is never answered, so another web page open in the
 * operator's browser cannot pause delivery through a tokenless loopback listener.
 */
final class DashboardApi implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(DashboardApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sends a control command; returns the issuer written into the record. */
    interface Control {
        String send(Command command);
    }

    private final BearerToken token;
    private final Supplier<LagGauges.Snapshot> queues;
    private final GroupMembers members;
    private final RecentBounces bounces;
    private final Supplier<Boolean> paused;
    private final Control control;

    /** @param paused this process's worker's pause state, or a supplier of null without a worker here */
    DashboardApi(BearerToken token, Supplier<LagGauges.Snapshot> queues, GroupMembers members, RecentBounces bounces,
                 Supplier<Boolean> paused, Control control) {
        this.token = token;
        this.queues = queues;
        this.members = members;
        this.bounces = bounces;
        this.paused = paused;
        this.control = control;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/api/dashboard")) {
                if (!method.equals("GET")) {
                    send(ex, 405, error("method " + method + " not allowed here"));
                    return;
                }
                send(ex, 200, Map.of("tokenRequired", token.required()));
                return;
            }
            if (!token.admits(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"outflow\"");
                send(ex, 401, error("missing or wrong bearer token (http.token)"));
                return;
            }
            try {
                route(ex, path, method);
            } catch (RuntimeException e) {
                log.warn("Dashboard request {} {} failed", method, path, e);
                send(ex, 503, error(e.toString()));
            }
        }
    }

    private void route(HttpExchange ex, String path, String method) throws IOException {
        if (path.startsWith("/api/control/")) {
            control(ex, path.substring("/api/control/".length()), method);
            return;
        }
        if (!method.equals("GET")) {
            send(ex, 405, error("method " + method + " not allowed here"));
            return;
        }
        switch (path) {
            case "/api/queues" -> {
                LagGauges.Snapshot s = queues.get();
                send(ex, 200, Map.of("at", s.at(), "queues", s.topics()));
            }
            case "/api/workers" -> {
                GroupMembers.Answer a = members.now();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("at", a.at());
                body.put("paused", paused.get());
                body.put("members", a.members());
                body.put("errors", a.errors());
                send(ex, 200, body);
            }
            case "/api/bounces" -> send(ex, 200, Map.of("bounces", bounces.recent()));
            default -> send(ex, 404, error("no such resource"));
        }
    }

    private void control(HttpExchange ex, String what, String method) throws IOException {
        if (!method.equals("POST")) {
            send(ex, 405, error("method " + method + " not allowed here (POST)"));
            return;
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            send(ex, 415, error("control requests must be sent with Content-Type: application/json"));
            return;
        }
        Command command = switch (what) {
            case "pause" -> Command.PAUSE;
            case "resume" -> Command.RESUME;
            case "flush" -> Command.FLUSH;
            default -> null;
        };
        if (command == null) {
            send(ex, 404, error("no control command '" + what + "' (pause, resume, flush)"));
            return;
        }
        String issuer = control.send(command);
        log.info("{} requested from the dashboard by {}", what, ex.getRemoteAddress());
        send(ex, 200, Map.of("requested", what, "issuer", issuer));
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b = (JSON.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    static List<String> routes() {
        return List.of("/api/dashboard", "/api/queues", "/api/workers", "/api/bounces", "/api/control/");
    }
}

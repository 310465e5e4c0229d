package dev.outflow.reporting;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import dev.outflow.codec.suppression.Suppression;
import dev.outflow.reporting.internal.Json;

/**
 * The JSON API of reporting, mounted under {@code /api} of the process's HTTP endpoint
 * ({@code http.listen}); documented in {@code docs/api.md}:
 * <pre>
 * GET    /api/messages/{id}              tracking of one message
 * GET    /api/messages?rcpt=ADDR         messages to an address (within reporting.retention)
 * GET    /api/stats?window=1m|1h[&amp;last=N]  overall windows and the busiest domains
 * GET    /api/domains/{domain}           1m and 1h windows of one domain
 * POST   /api/messages/{id}/cancel       cancel a queued message (202; 404 unknown; 409 finished)
 * GET    /api/suppressions               the suppression list
 * GET    /api/suppressions/{addr}        one entry
 * POST   /api/suppressions[/{addr}]      add ({"address","reason","ttl"})
 * DELETE /api/suppressions/{addr}        remove
 * </pre>
 * Errors are {@code {"error": "..."}} with 400, 401, 404, 405 or 503. With a token, every request
 * needs {@code Authorization: Bearer <token>}. {@code local=true} (used between instances) answers
 * from this instance's stores only. Thread-safe.
 */
public final class ReportingApi implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(ReportingApi.class);
    private static final int MAX_BODY = 64 * 1024;

    private final Reporting reporting;
    private final byte[] token;

    /** @param token required bearer token, or null for none (only allowed on a loopback listener) */
    public ReportingApi(Reporting reporting, String token) {
        this.reporting = reporting;
        this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!authorised(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"outflow\"");
                send(ex, 401, error("missing or wrong bearer token (http.token)"));
                return;
            }
            String state = reporting.state();
            if (!state.equals("RUNNING") && !state.equals("REBALANCING")) {
                // Not started, failed or stopping: every answer would be empty or wrong.
                send(ex, 503, error("reporting is not ready (" + state + "); try again"));
                return;
            }
            Reply r;
            try {
                r = route(ex);
            } catch (IllegalArgumentException e) {
                r = new Reply(400, error(e.getMessage()));
            } catch (ReportingUnavailableException e) {
                r = new Reply(503, error(e.getMessage()));
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                // A store handle from before a rebalance: its partitions are moving.
                r = notReady(e);
            } catch (RuntimeException e) {
                if (!reporting.state().equals("RUNNING")) {
                    r = notReady(e); // starting, rebalancing or stopping: Streams refuses queries meanwhile
                } else {
                    log.warn("API request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                    r = new Reply(500, error("internal error: " + e));
                }
            }
            send(ex, r.status, r.body);
        }
    }

    private record Reply(int status, Object body) {
    }

    private Reply notReady(RuntimeException e) {
        return new Reply(503, error("reporting is not ready (" + reporting.state() + "): " + e.getMessage() + "; try again"));
    }

    private Reply route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        List<String> path = segments(ex.getRequestURI().getRawPath());
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        boolean local = "true".equals(q.get("local"));
        if (path.size() < 2 || !path.get(0).equals("api")) return notFound("no such resource");
        String resource = path.get(1);
        switch (resource) {
            case "messages" -> {
                if (path.size() == 4 && path.get(3).equals("cancel")) {
                    if (!method.equals("POST")) return notAllowed(method);
                    return cancel(path.get(2));
                }
                if (!method.equals("GET")) return notAllowed(method);
                if (path.size() == 3) {
                    String id = path.get(2);
                    return reporting.message(id, local).<Reply>map(m -> new Reply(200, m))
                            .orElseGet(() -> notFound("no message " + id + " (unknown, or older than reporting.retention)"));
                }
                if (path.size() == 2) {
                    String rcpt = q.get("rcpt");
                    if (rcpt == null || rcpt.isBlank()) throw new IllegalArgumentException("give ?rcpt=ADDRESS (or /api/messages/{id})");
                    List<MessageTrack> found = reporting.messagesTo(rcpt.strip(), local);
                    if (found.isEmpty() && !local) return notFound("no message to " + rcpt.strip() + " within reporting.retention");
                    return new Reply(200, Map.of("recipient", rcpt.strip(), "messages", found));
                }
            }
            case "stats" -> {
                if (!method.equals("GET")) return notAllowed(method);
                if (path.size() != 2) break;
                String window = q.getOrDefault("window", "1m");
                String domain = q.getOrDefault("domain", Stats.ALL);
                int last = last(q, window);
                Reporting.StatsAnswer a = reporting.stats(window, domain, last, local);
                if (local) return new Reply(200, raw(a));
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("window", window);
                body.put("domain", domain);
                body.put("windows", a.views());
                if (Stats.ALL.equals(domain)) body.put("domains", a.topDomains(20, a.from() + last * a.size()));
                return new Reply(200, body);
            }
            case "domains" -> {
                if (!method.equals("GET")) return notAllowed(method);
                if (path.size() != 3) break;
                String domain = path.get(2).toLowerCase(java.util.Locale.ROOT);
                Reporting.StatsAnswer minutes = reporting.stats("1m", domain, last(q, "1m"), false);
                Reporting.StatsAnswer hours = reporting.stats("1h", domain, last(q, "1h"), false);
                if (minutes.isEmpty() && hours.isEmpty()) return notFound("no statistics for domain " + domain);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("domain", domain);
                body.put("1m", minutes.views());
                body.put("1h", hours.views());
                return new Reply(200, body);
            }
            case "suppressions" -> {
                return suppressions(ex, method, path);
            }
            default -> { }
        }
        return notFound("no such resource");
    }

    private Reply cancel(String id) {
        return switch (reporting.cancel(id, "api")) {
            case Reporting.CancelAnswer.Unknown u -> notFound("no message " + id + " (unknown, or older than reporting.retention)");
            case Reporting.CancelAnswer.Finished f -> new Reply(409, Map.of("error", "message " + id + " is already finished (" + f.state() + ")",
                    "state", f.state()));
            case Reporting.CancelAnswer.Cancelled c -> new Reply(202, Map.of("cancelled", id, "pending", c.pending()));
        };
    }

    private Reply suppressions(HttpExchange ex, String method, List<String> path) throws IOException {
        if (path.size() > 3) return notFound("no such resource");
        String address = path.size() == 3 ? path.get(2) : null;
        switch (method) {
            case "GET" -> {
                if (address == null) return new Reply(200, Map.of("suppressions", reporting.suppressions()));
                return reporting.suppression(address).<Reply>map(s -> new Reply(200, s))
                        .orElseGet(() -> notFound(address + " is not suppressed"));
            }
            case "POST" -> {
                JsonNode body = body(ex);
                String a = address != null ? address : body.path("address").asText(null);
                if (a == null || a.isBlank()) throw new IllegalArgumentException("give the address in the path or as \"address\"");
                Duration ttl = body.hasNonNull("ttl") ? parseTtl(body.get("ttl").asText()) : null;
                Suppression s = reporting.suppress(a, body.path("reason").asText("added by operator"), ttl);
                return new Reply(201, s);
            }
            case "DELETE" -> {
                if (address == null) return notAllowed(method);
                return reporting.unsuppress(address) ? new Reply(200, Map.of("removed", address))
                        : notFound(address + " is not suppressed");
            }
            default -> {
                return notAllowed(method);
            }
        }
    }

    /** A TTL like {@code 30d}, {@code 12h}, or {@code never}. */
    static Duration parseTtl(String v) {
        if (v.equalsIgnoreCase("never")) return Duration.ZERO;
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*(s|m|h|d)").matcher(v.strip());
        if (!m.matches()) throw new IllegalArgumentException("ttl '" + v + "' must look like 3600s, 90m, 12h, 30d or never");
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.isZero()) throw new IllegalArgumentException("ttl must be more than 0 (or never)");
        return d;
    }

    private static int last(Map<String, String> q, String window) {
        Reporting.windowSize(window);
        String v = q.get("last");
        int max = window.equals("1m") ? 1440 : 24 * 31;
        if (v == null) return window.equals("1m") ? 60 : 24;
        try {
            int n = Integer.parseInt(v);
            if (n < 1 || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("last must be a number of windows from 1 to " + max);
        }
    }

    private static Map<String, Object> raw(Reporting.StatsAnswer a) {
        List<Map<String, Object>> windows = new java.util.ArrayList<>();
        a.windows().forEach((start, s) -> windows.add(Map.of("start", start, "stats", s)));
        return Map.of("windows", windows, "domains", a.domains());
    }

    private boolean authorised(HttpExchange ex) {
        if (token == null) return true;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(token, h.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) throw new IllegalArgumentException("request body larger than " + MAX_BODY + " bytes");
            if (b.length == 0) return Json.MAPPER.createObjectNode();
            try {
                JsonNode n = Json.MAPPER.readTree(b);
                if (n == null || !n.isObject()) throw new IllegalArgumentException("request body must be a JSON object");
                return n;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("request body is not JSON: " + e.getOriginalMessage());
            }
        }
    }

    private static Reply notFound(String message) {
        return new Reply(404, error(message));
    }

    private static Reply notAllowed(String method) {
        return new Reply(405, error("method " + method + " not allowed here"));
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message == null ? "error" : message);
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b = (Json.text(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new java.util.ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) return q;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    /** URL-encodes a path segment or query value. */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

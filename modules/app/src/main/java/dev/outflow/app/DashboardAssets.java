package dev.outflow.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Serves the dashboard page and its script and stylesheet from the jar
 * ({@code dev/outflow/app/dashboard/}) at {@code /}, {@code /dashboard.js} and {@code /dashboard.css}.
 * Each answer carries an ETag (hash of the bytes) and {@code Cache-Control: no-cache}: the browser
 * keeps a copy but asks each time, so an upgraded Outflow is never shown with an old script.
 * Anything else under {@code /} is 404.
 */
final class DashboardAssets implements HttpHandler {
    private record Asset(byte[] bytes, String type, String etag) {}

    private final Map<String, Asset> assets = Map.of(
            "/", load("index.html", "text/html; charset=utf-8"),
            "/dashboard.js", load("dashboard.js", "text/javascript; charset=utf-8"),
            "/dashboard.css", load("dashboard.css", "text/css; charset=utf-8"));

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Asset a = assets.get(ex.getRequestURI().getPath());
            var h = ex.getResponseHeaders();
            if (a == null) {
                byte[] b = "not found\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                h.set("Content-Type", "text/plain; charset=utf-8");
                ex.sendResponseHeaders(404, b.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b);
                }
                return;
            }
            boolean head = "HEAD".equals(ex.getRequestMethod());
            if (!head && !"GET".equals(ex.getRequestMethod())) {
                h.set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            h.set("Cache-Control", "no-cache");
            h.set("ETag", a.etag());
            h.set("X-Content-Type-Options", "nosniff");
            // The page only talks to its own origin and runs only its own script.
            h.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
            h.set("Referrer-Policy", "no-referrer");
            if (a.etag().equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
                ex.sendResponseHeaders(304, -1);
                return;
            }
            h.set("Content-Type", a.type());
            ex.sendResponseHeaders(200, head ? -1 : a.bytes().length);
            if (head) return;
            try (OutputStream out = ex.getResponseBody()) {
                out.write(a.bytes());
            }
        }
    }

    private static Asset load(String name, String type) {
        try (InputStream in = DashboardAssets.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) throw new IllegalStateException("dashboard asset dev/outflow/app/dashboard/" + name + " missing from the jar");
            byte[] b = in.readAllBytes();
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b);
            return new Asset(b, type, "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.outflow.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.HostPort;
import dev.outflow.core.config.OutflowKeys;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The CLI's client of reporting's /api on {@code http.listen} (a wildcard host is reached on
 * 127.0.0.1), with {@code http.token} when set. Any error status becomes an exception whose message
 * is the API's error text, so the command exits 1 with one line.
 */
final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    ApiClient(Config config) {
        HostPort listen = config.get(OutflowKeys.HTTP_LISTEN);
        String host = listen.host();
        try {
            if (InetAddress.getByName(host).isAnyLocalAddress()) host = "127.0.0.1";
        } catch (IOException e) {
            // Use the name as configured; the connection attempt reports the problem.
        }
        this.base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + listen.port();
        this.token = config.get(OutflowKeys.HTTP_TOKEN);
    }

    JsonNode get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30)).GET());
    }

    /** A POST without a body; a 2xx answer is success. */
    JsonNode post(String pathAndQuery) {
        return send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private JsonNode send(HttpRequest.Builder r) {
        if (token != null && !token.isBlank()) r.header("Authorization", "Bearer " + token);
        try {
            HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = resp.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(resp.body());
            if (resp.statusCode() / 100 != 2) {
                throw new IllegalStateException(body.path("error").asText("HTTP " + resp.statusCode() + " from " + base));
            }
            return body;
        } catch (ConnectException e) {
            throw new IllegalStateException("no reporting API at " + base + " (is 'outflow up' or 'outflow report' running with this http.listen?)");
        } catch (IOException e) {
            throw new IllegalStateException("reporting API at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}

package dev.outflow.reporting.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import org.apache.kafka.streams.state.HostInfo;

import com.fasterxml.jackson.databind.JsonNode;

import dev.outflow.reporting.ReportingUnavailableException;

/**
 * Asks another reporting instance for its local answer ({@code ?local=true} on its /api), with
 * the bearer token when one is configured. Thread-safe.
 */
public final class RemoteInstances {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String token;

    public RemoteInstances(String token) {
        this.token = token;
    }

    /**
     * GETs {@code pathAndQuery} (which must already carry {@code local=true}) from {@code host}.
     *
     * @return the JSON body, or empty on 404
     * @throws ReportingUnavailableException when the instance cannot be reached or answers otherwise
     */
    public Optional<JsonNode> get(HostInfo host, String pathAndQuery) {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
        if (token != null && !token.isEmpty()) req.header("Authorization", "Bearer " + token);
        try {
            HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 404) return Optional.empty();
            if (r.statusCode() != 200) {
                throw new ReportingUnavailableException("reporting instance " + host + " answered " + r.statusCode() + " for " + pathAndQuery);
            }
            return Optional.of(Json.MAPPER.readTree(r.body()));
        } catch (IOException e) {
            throw new ReportingUnavailableException("reporting instance " + host + " did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReportingUnavailableException("interrupted while asking " + host, e);
        }
    }
}

package dev.outflow.webhooks;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLException;

/** POSTs one signed batch to one endpoint and says how it went. Thread-confined to its endpoint's loop. */
final class Poster implements AutoCloseable {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** The answer to one POST: success, or the kind of failure and a line for the log. */
    record Result(Failure failure, String detail) {
        boolean ok() {
            return failure == null;
        }
    }

    private final Endpoint endpoint;
    private final byte[] secret;
    private final Duration timeout;
    private final HttpClient http;

    Poster(Endpoint endpoint, byte[] secret, Duration timeout) {
        this.endpoint = endpoint;
        this.secret = secret;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The request body for a batch: the JSON array of its events, as every POST carries it. */
    static byte[] body(com.fasterxml.jackson.databind.node.ArrayNode events) {
        try {
            return JSON.writeValueAsBytes(events);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Result post(byte[] body, int events) throws InterruptedException {
        long now = Instant.now().getEpochSecond();
        HttpRequest req = HttpRequest.newBuilder(endpoint.url()).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "outflow-webhooks")
                .header(WebhookSignature.HEADER, WebhookSignature.header(secret, now, body))
                .header("Outflow-Event-Count", Integer.toString(events))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            int s = r.statusCode();
            if (s >= 200 && s < 300) return new Result(null, "HTTP " + s);
            Failure f = s >= 400 && s < 500 ? Failure.STATUS_4XX : s >= 500 && s < 600 ? Failure.STATUS_5XX : Failure.OTHER;
            return new Result(f, "HTTP " + s + answer(r.body()));
        } catch (HttpTimeoutException e) {
            return new Result(Failure.TIMEOUT, "no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new Result(classify(e), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Failure classify(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) return Failure.TLS;
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException) return Failure.UNREACHABLE;
        }
        return Failure.OTHER;
    }

    private static String answer(byte[] body) {
        if (body == null || body.length == 0) return "";
        String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        return s.isEmpty() ? "" : " (" + s + ")";
    }

    @Override
    public void close() {
        http.close();
    }
}

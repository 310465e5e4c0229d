package dev.outflow.codec;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A minimal client of a Confluent-compatible schema registry (Confluent, Apicurio's ccompat API,
 * Redpanda): {@code POST /subjects/{subject}/versions} to register a schema and
 * {@code GET /schemas/ids/{id}} to fetch one. Both answers are cached for the life of the client,
 * so each schema costs one request per process.
 *
 * <p>Credentials in the URL ({@code https://user:secret@registry:8081}) are sent as HTTP Basic.
 * Thread-safe. Failures: {@link SchemaRegistryException} (with the HTTP status and the registry's
 * message) when the registry is unreachable or refuses; an id it does not know yields
 * {@link Optional#empty()} from {@link #findById(int)}.
 */
public final class SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String authorization;
    private final HttpClient http;
    private final Duration timeout;
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /** A client of the registry at {@code url} with a 10 s request timeout. */
    public SchemaRegistryClient(String url) {
        this(url, Duration.ofSeconds(10));
    }

    public SchemaRegistryClient(String url, Duration timeout) {
        URI u = URI.create(url.strip().replaceAll("/+$", ""));
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
            // never echo credentials given as user-info
            throw new IllegalArgumentException("schema registry URL must be http(s)://host:port, got "
                    + url.replaceFirst("(?<=://)[^/@\\s]+@", "[redacted]@"));
        }
        String userInfo = u.getRawUserInfo();
        this.authorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(
                        URLDecoding.decode(userInfo).getBytes(StandardCharsets.UTF_8));
        this.base = URI.create(u.getScheme() + "://" + u.getRawAuthority().replaceFirst("^.*@", "")
                + (u.getRawPath() == null ? "" : u.getRawPath()));
        this.timeout = timeout;
        // HTTP/1.1: registries do not speak h2c, and the upgrade attempt costs a round trip.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** The registry's base URL without credentials. */
    public URI baseUri() {
        return base;
    }

    /**
     * Registers {@code schema} under {@code subject} (a no-op at the registry when it is there
     * already) and returns its global id. Cached per (subject, schema).
     */
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        HttpRequest request = request("/subjects/" + encode(subject) + "/versions")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        JsonNode answer = send(request, false).orElseThrow();
        JsonNode id = answer.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException("registry answered " + request.uri() + " without an id: " + answer, 200, null);
        }
        ids.put(schema, id.intValue());
        schemasById.putIfAbsent(id.intValue(), schema);
        return id.intValue();
    }

    /** The schema with global id {@code id}, or empty when the registry does not know the id. Cached. */
    public Optional<Schema> findById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        HttpRequest request = request("/schemas/ids/" + id).GET().build();
        Optional<JsonNode> answer = send(request, true);
        if (answer.isEmpty()) {
            return Optional.empty();
        }
        JsonNode type = answer.get().get("schemaType");
        if (type != null && !type.asText().equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException("schema id " + id + " is a " + type.asText() + " schema, not Avro", 200, null);
        }
        JsonNode text = answer.get().get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("registry answered " + request.uri() + " without a schema", 200, null);
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("schema id " + id + " does not parse: " + e.getMessage(), 200, e);
        }
        Schema previous = schemasById.putIfAbsent(id, schema);
        return Optional.of(previous != null ? previous : schema);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Accept", CONTENT_TYPE + ", application/json")
                .header("Content-Type", CONTENT_TYPE);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    /** The JSON answer; empty for a 404 when {@code notFoundIsEmpty}. */
    private Optional<JsonNode> send(HttpRequest request, boolean notFoundIsEmpty) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry " + request.method() + " " + request.uri()
                    + " failed: " + e, -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted during " + request.method() + " " + request.uri(), -1, e);
        }
        int status = response.statusCode();
        if (status == 404 && notFoundIsEmpty) {
            return Optional.empty();
        }
        if (status / 100 != 2) {
            throw new SchemaRegistryException("schema registry " + request.method() + " " + request.uri()
                    + " answered " + status + ": " + abbreviate(response.body()), status, null);
        }
        try {
            return Optional.of(JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry " + request.uri() + " answered invalid JSON: "
                    + abbreviate(response.body()), status, e);
        }
    }

    private static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String s) {
        String one = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return one.length() <= 300 ? one : one.substring(0, 300) + "…";
    }

    /** Percent-decoding of user info (java.net.URLDecoder would turn '+' into a space). */
    private static final class URLDecoding {
        static String decode(String s) {
            return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }
}

package dev.outflow.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.avro.Schema;

/** An in-process Confluent-compatible registry on 127.0.0.1 (ephemeral port) that records every request. */
final class FakeSchemaRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> idBySchema = new ConcurrentHashMap<>();
    private final Map<Integer, String> schemaById = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(100);
    private final HttpServer server;
    volatile int failWith;

    FakeSchemaRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Registers a schema directly (as another producer would have). */
    int preload(Schema schema) {
        String text = schema.toString();
        return idBySchema.computeIfAbsent(text, s -> {
            int id = nextId.getAndIncrement();
            schemaById.put(id, s);
            return id;
        });
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String path = ex.getRequestURI().getRawPath();
        requests.add(ex.getRequestMethod() + " " + path);
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
            authorizations.add(auth);
        }
        if (failWith != 0) {
            reply(ex, failWith, "{\"error_code\":50001,\"message\":\"store unavailable\"}");
            return;
        }
        if (ex.getRequestMethod().equals("POST") && path.matches("/subjects/[^/]+/versions")) {
            String schema = JSON.readTree(body).get("schema").asText();
            int id = preload(new Schema.Parser().parse(schema));
            reply(ex, 200, "{\"id\":" + id + "}");
        } else if (ex.getRequestMethod().equals("GET") && path.startsWith("/schemas/ids/")) {
            String schema = schemaById.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
            if (schema == null) {
                reply(ex, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
            } else {
                reply(ex, 200, JSON.createObjectNode().put("schema", schema).toString());
            }
        } else {
            reply(ex, 404, "{\"error_code\":404,\"message\":\"no such endpoint\"}");
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package dev.outflow.router.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.outflow.avro.Submission;
import dev.outflow.codec.CodecFactory;
import dev.outflow.codec.SchemaRegistryClient;
import dev.outflow.codec.SchemaRegistryException;
import dev.outflow.codec.Serdes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With {@code schema.registry.url} the router also reads Confluent-framed submissions; single-object
 * Avro and JSON keep working on the same topic. An unknown schema id is the record's fault; a
 * registry that cannot be reached is not (transient, propagated).
 */
class ConfluentSubmissionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer registry;
    private final Map<Integer, String> schemas = new ConcurrentHashMap<>();
    private CodecFactory codecs;
    private SubmissionDecoder decoder;

    @BeforeEach
    void startRegistry() throws IOException {
        registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry.createContext("/", this::answer);
        registry.start();
        codecs = Serdes.confluent(new SchemaRegistryClient("http://127.0.0.1:" + registry.getAddress().getPort()));
        decoder = new SubmissionDecoder(codecs);
    }

    @AfterEach
    void stopRegistry() {
        registry.stop(0);
    }

    /** POST /subjects/{s}/versions registers (same text, same id); GET /schemas/ids/{id} fetches. */
    private void answer(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        int status = 200;
        ObjectNode body = JSON.createObjectNode();
        if (x.getRequestMethod().equals("POST") && path.startsWith("/subjects/") && path.endsWith("/versions")) {
            String schema = JSON.readTree(x.getRequestBody()).get("schema").asText();
            int id = schemas.entrySet().stream().filter(e -> e.getValue().equals(schema)).map(Map.Entry::getKey).findFirst()
                    .orElseGet(() -> {
                        int next = schemas.size() + 1;
                        schemas.put(next, schema);
                        return next;
                    });
            body.put("id", id);
        } else if (x.getRequestMethod().equals("GET") && path.startsWith("/schemas/ids/")) {
            String schema = schemas.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
            if (schema == null) {
                status = 404;
                body.put("error_code", 40403).put("message", "Schema not found");
            } else {
                body.put("schema", schema);
            }
        } else {
            status = 404;
        }
        byte[] out = body.toString().getBytes(UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        x.sendResponseHeaders(status, out.length);
        x.getResponseBody().write(out);
        x.close();
    }

    private static Submission submission(String id) {
        return new Submission(id, "a@b.test", List.of("c@d.test"), ByteBuffer.wrap("Subject: x\r\n\r\nx\r\n".getBytes(UTF_8)), Map.of());
    }

    @Test
    void confluentFramedSubmissionsDecodeNextToSingleObjectAndJson() throws Exception {
        byte[] framed = codecs.submission().serialize("outflow.submissions", submission("cf-1"));
        assertThat(framed[0]).isZero();
        DecodedSubmission s = decoder.decode("outflow.submissions", framed);
        assertThat(s.format()).isEqualTo(DecodedSubmission.Format.CONFLUENT);
        assertThat(s.id()).isEqualTo("cf-1");
        assertThat(s.recipients()).containsExactly("c@d.test");

        byte[] singleObject = Serdes.submission().serialize("t", submission("so-1"));
        assertThat(decoder.decode("t", singleObject).format()).isEqualTo(DecodedSubmission.Format.AVRO);
        byte[] json = "{\"mailFrom\": \"\", \"recipients\": [\"x@y.test\"], \"contents\": \"x\"}".getBytes(UTF_8);
        assertThat(decoder.decode("t", json).format()).isEqualTo(DecodedSubmission.Format.JSON);
    }

    @Test
    void anUnknownSchemaIdIsInvalidButAnUnreachableRegistryIsTransient() {
        byte[] unknownId = {0, 0, 0, 0, 99, 2, 4};
        assertThatThrownBy(() -> decoder.decode("t", unknownId)).isInstanceOf(InvalidSubmissionException.class)
                .hasMessageContaining("unknown schema id 99");

        registry.stop(0);
        byte[] otherId = {0, 0, 0, 0, 7, 2, 4};
        assertThatThrownBy(() -> decoder.decode("t", otherId)).isInstanceOf(SchemaRegistryException.class);
    }
}

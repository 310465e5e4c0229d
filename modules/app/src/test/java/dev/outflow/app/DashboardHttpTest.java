package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.outflow.avro.Command;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's HTTP surface on a real loopback server: assets with their types and caching,
 * the token rule, and the control endpoint's refusals (a refused request sends no command).
 * The page itself, over a running Outflow, is DashboardIT's.
 */
class DashboardHttpTest {
    static final String TOKEN = "s3cret";

    HttpServer server;
    String base;
    final List<Command> sent = new CopyOnWriteArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        DashboardApi api = new DashboardApi(new BearerToken(TOKEN),
                () -> new LagGauges.Snapshot(42, List.of(new LagGauges.TopicLag("g", "t", 2, 7, 1.5))),
                null, null, () -> Boolean.TRUE, c -> {
                    sent.add(c);
                    return "tester";
                });
        for (String r : DashboardApi.routes()) server.createContext(r, api);
        server.createContext("/", new DashboardAssets());
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageScriptAndStylesheetWithTypesAndRevalidation() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.body()).contains("<script src=\"/dashboard.js\"");
        assertThat(get("/dashboard.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        HttpResponse<String> css = get("/dashboard.css");
        assertThat(css.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        String etag = css.headers().firstValue("ETag").orElseThrow();
        assertThat(get("/dashboard.css", "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
    }

    @Test
    void tellsWhetherATokenIsNeededAndRequiresItElsewhere() throws Exception {
        HttpResponse<String> info = get("/api/dashboard");
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(info.body()).contains("\"tokenRequired\":true");
        assertThat(get("/api/queues").statusCode()).isEqualTo(401);
        assertThat(get("/api/queues", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> queues = get("/api/queues", "Authorization", "Bearer " + TOKEN);
        assertThat(queues.statusCode()).isEqualTo(200);
        assertThat(queues.body()).contains("\"waiting\":7").contains("\"topic\":\"t\"").contains("\"at\":42");
    }

    @Test
    void controlNeedsTokenPostAndJsonAndNamesUnknownCommands() throws Exception {
        String auth = "Bearer " + TOKEN;
        assertThat(post("/api/control/pause", "Content-Type", "application/json").statusCode()).isEqualTo(401);
        assertThat(post("/api/control/pause", "Authorization", auth, "Content-Type", "text/plain").statusCode()).isEqualTo(415);
        assertThat(get("/api/control/pause", "Authorization", auth).statusCode()).isEqualTo(405);
        HttpResponse<String> unknown = post("/api/control/explode", "Authorization", auth, "Content-Type", "application/json");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("pause, resume, flush");
        assertThat(sent).isEmpty();

        HttpResponse<String> ok = post("/api/control/resume", "Authorization", auth, "Content-Type", "application/json; charset=utf-8");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("\"requested\":\"resume\"").contains("\"issuer\":\"tester\"");
        assertThat(sent).containsExactly(Command.RESUME);
    }
}

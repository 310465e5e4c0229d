package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outflow.acceptance.harness.CommandResult;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.OutflowProcess;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.FakeMx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reporting on the packaged {@code outflow up} with real traffic: a delivered message, a
 * deferred-then-delivered one, a bounced one (its address is then suppressed: SMTP refuses it at
 * RCPT and {@code outflow send} gets a REJECTED); {@code outflow track} and {@code /api} show
 * each, and answer the same after the process is restarted.
 */
@ExtendWith(PrintLogsOnFailure.class)
class ReportingIT {
    static final Duration WAIT = Duration.ofSeconds(120);
    static final String SENDER = Stack.sender("report-sender");
    static final String RELAY_CLIENT = "127.0.0.21";
    static final ObjectMapper JSON = new ObjectMapper();

    static final class ReportingStack extends Stack {
        ReportingStack() {
            super("ReportingStack", Map.of("smtpd.relay_networks", RELAY_CLIENT + "/32", "outbound.temp_fail_intervals", "2s*3"),
                    Map.of(), List.of(), o -> { });
        }
    }

    static ReportingStack stack;
    static Outflow outflow;
    static FakeMx mx;

    @BeforeAll
    static void start() {
        stack = new ReportingStack();
        outflow = stack.outflow();
        mx = FakeMx.builder().bind("127.0.0.6").port(stack.port()).hostname("mx6.test")
                .rcpt("later@d6.test", Action.reply(450, "4.2.1 mailbox busy, try later"), Action.proceed())
                .rcpt("gone@d6.test", Action.reply(550, "5.1.1 <gone@d6.test>: user unknown"))
                .start();
    }

    @AfterAll
    static void stop() {
        Closer.close(mx, stack);
    }

    @Test
    void tracksDeliveredDeferredBouncedAndRejectedMailAndAnswersTheSameAfterARestart() throws Exception {
        String delivered = outflow.send(SENDER, List.of("ok@d6.test"), "Hello", "Straight through");
        String deferred = outflow.send(SENDER, List.of("later@d6.test"), "Again", "Second time lucky");
        String bounced = outflow.send(SENDER, List.of("gone@d6.test"), "Nobody", "Home");
        outflow.events().await(delivered, Outcome.DELIVERED, WAIT);
        outflow.events().await(deferred, Outcome.DELIVERED, WAIT);
        outflow.events().await(bounced, Outcome.BOUNCED, WAIT);

        // The bad-mailbox bounce suppressed the address: every intake path refuses it now.
        Awaitility.await("gone@d6.test suppressed").atMost(WAIT)
                .until(() -> outflow.run("suppressions", "list").stdout(), out -> out.contains("gone@d6.test"));
        Awaitility.await("RCPT refused").atMost(WAIT).until(() -> rcpt("gone@d6.test"), r -> r.startsWith("550 5.1.1"));
        assertThat(rcpt("gone@d6.test")).contains("<gone@d6.test> suppressed (bounce");
        assertThat(rcpt("ok@d6.test")).startsWith("250");
        CommandResult refused = outflow.run("send", "--from", SENDER, "--to", "gone@d6.test", "--subject", "Again", "--body", "x");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("550 5.1.1").contains("suppressed");
        String rejected = outflow.events().await("REJECTED for gone@d6.test",
                e -> e.outcome() == Outcome.REJECTED && e.value().getReason().contains("gone@d6.test"), WAIT).value().getMessageId();

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(delivered, "delivered");
        expected.put(deferred, "delivered");
        expected.put(bounced, "bounced");
        expected.put(rejected, "rejected");
        Map<String, JsonNode> before = new LinkedHashMap<>();
        for (var e : expected.entrySet()) {
            JsonNode m = Awaitility.await("tracking of " + e.getKey()).atMost(WAIT)
                    .until(() -> api("/api/messages/" + e.getKey()), j -> j != null && j.path("state").asText().equals(e.getValue()));
            before.put(e.getKey(), m);
        }
        JsonNode later = before.get(deferred).path("recipients").path("later@d6.test");
        assertThat(later.path("history").findValuesAsText("outcome")).containsExactly("deferred", "delivered");
        assertThat(before.get(bounced).path("recipients").path("gone@d6.test").path("bounceClass").asText()).isEqualTo("bad-mailbox");
        assertThat(before.get(rejected).path("recipients").path("gone@d6.test").path("reason").asText()).contains("suppressed");
        String track = outflow.run("track", deferred).requireSuccess().stdout();
        assertThat(track).contains("later@d6.test  delivered  250").contains("deferred");
        assertThat(outflow.run("track", bounced).requireSuccess().stdout()).contains("gone@d6.test  bounced  550 5.1.1  [bad-mailbox]");
        CommandResult unknown = outflow.run("track", "no-such-message");
        assertThat(unknown.exitCode()).isEqualTo(1);

        // Restart the process: tracking comes back from its state and changelogs, the list from its topic.
        OutflowProcess up = stack.process();
        assertThat(up.stop()).as("clean exit on SIGTERM (the JVM reports 143)").isIn(0, 143);
        OutflowProcess.Mark mark = up.mark();
        up.restart().awaitOutputSince(mark, "Outflow is up", WAIT);
        for (var e : before.entrySet()) {
            JsonNode again = Awaitility.await("tracking of " + e.getKey() + " after the restart").atMost(WAIT)
                    .until(() -> api("/api/messages/" + e.getKey()), j -> j != null);
            assertThat(again).isEqualTo(e.getValue());
        }
        assertThat(outflow.run("track", deferred).requireSuccess().stdout()).isEqualTo(track);
        assertThat(Awaitility.await("RCPT refused after the restart").atMost(WAIT)
                .until(() -> rcpt("gone@d6.test"), r -> r.startsWith("550 5.1.1"))).contains("suppressed");
    }

    /** The reply to RCPT TO:<address> from the relay client address (no AUTH needed there). */
    private static String rcpt(String address) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(RELAY_CLIENT), 0));
            s.connect(new InetSocketAddress("127.0.0.1", outflow.smtpdPort()), 10_000);
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            say(out, "EHLO client.test");
            reply(in);
            say(out, "MAIL FROM:<" + SENDER + ">");
            reply(in);
            say(out, "RCPT TO:<" + address + ">");
            String r = reply(in);
            say(out, "QUIT");
            return r;
        }
    }

    private static void say(OutputStream out, String line) throws Exception {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IllegalStateException("connection closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static JsonNode api(String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + outflow.setting("http.listen") + path)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }
}

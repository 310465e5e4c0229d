package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.broker.EmbeddedBroker;
import dev.outflow.core.config.Config;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker is not opened to the network by accident, and with SASL/SCRAM the
 * in-process stages and the CLI commands log in with the configured credentials.
 */
class EmbeddedBrokerAccessTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    private static synchronized Run run(List<String> args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.execute(args.toArray(String[]::new));
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static List<String> command(Map<String, String> settings, String... words) {
        List<String> args = new ArrayList<>(List.of(words));
        settings.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        return args;
    }

    private Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("data.dir", dir.resolve("data").toString());
        s.put("plugins.dir", dir.resolve("plugins").toString());
        s.put("me", "test.example");
        s.put("broker.listen", "127.0.0.1:0");
        s.put("broker.fsync", "false");
        s.put("topic.outbound_partitions", "1");
        s.put("topic.partitions", "1");
        s.put("smtpd.listen", "127.0.0.1:0");
        s.put("smtpd.relay_networks", "127.0.0.1");
        s.put("smtpd.users", dir.resolve("smtpd.users").toString());
        s.put("http.listen", "127.0.0.1:0");
        return s;
    }

    @Test
    void aBrokerOpenToTheNetworkWithoutSaslDoesNotStart() {
        Map<String, String> s = settings();
        s.put("broker.listen", "0.0.0.0:0");
        for (String cmd : List.of("up", "broker")) {
            Run r = run(command(s, cmd));

            assertThat(r.exit()).as(r.err()).isEqualTo(Main.EXIT_USAGE);
            assertThat(r.err()).startsWith("outflow: bad configuration: broker.listen: '0.0.0.0:0' is reachable from other machines")
                    .contains("broker.sasl_user").contains("broker.allow_insecure=true");
            assertThat(EmbeddedBroker.readAddress(dir.resolve("data"))).isEmpty();
        }
        s.put("broker.sasl_user", "outflow");
        Run half = run(command(s, "broker"));
        assertThat(half.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(half.err()).contains("broker.sasl_password: not set");
    }

    @Test
    void withScramTheStagesAndTheCliLogIn() throws Exception {
        Map<String, String> s = settings();
        s.put("broker.sasl_user", "outflow");
        s.put("broker.sasl_password", "s3cret \"quoted\"");
        Config config = Config.of(s);
        try (EmbeddedBroker broker = BrokerCommand.startBroker(config)) {
            assertThat(broker.clientProperties()).containsEntry("security.protocol", "SASL_PLAINTEXT");

            Run topics = run(command(s, "topics", "create"));
            assertThat(topics.exit()).as(topics.err()).isZero();

            Context ctx = Context.of(config, broker.bootstrapServers());
            try (Components components = new Components(ctx)) {
                components.smtpd();
                int port = Integer.parseInt(components.describe().stream().filter(l -> l.startsWith("smtpd"))
                        .findFirst().orElseThrow().replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
                assertThat(submit(port)).startsWith("250 2.0.0 Ok: queued as ");

                // `send` goes through the router (policy runs there), which logs in with SCRAM too.
                components.router();
                Run send = run(command(s, "send", "--from", "a@sender.test", "--to", "b@two.test", "--subject", "hi", "--body", "x"));
                assertThat(send.exit()).as(send.err()).isZero();
                Run status = run(command(s, "status"));
                assertThat(status.exit()).as(status.err()).isZero();
                assertThat(status.out()).containsPattern("outflow\\.outbound\\s+2 waiting");
            }
        }
    }

    private static String submit(int port) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            in.readLine();
            String[] commands = {"HELO client.test", "MAIL FROM:<a@sender.test>", "RCPT TO:<b@one.test>", "DATA"};
            for (String c : commands) {
                out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.readLine();
            }
            out.write("Subject: over SCRAM\r\n\r\nbody\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return in.readLine();
        }
    }
}

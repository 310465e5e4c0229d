package dev.outflow.testkit.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/** The fake MX driven by a raw socket client, so its behaviour does not depend on Outflow's SMTP client. */
class FakeMxTest {
    /** A minimal line client. */
    private static final class Client implements AutoCloseable {
        Socket socket;
        BufferedReader in;
        OutputStream out;

        Client(FakeMx mx) throws IOException {
            socket = new Socket(mx.address(), mx.port());
            attach();
        }

        void attach() throws IOException {
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void send(String... lines) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (String l : lines) sb.append(l).append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Reads one (possibly multi-line) reply, returned as its lines. */
        List<String> reply() throws IOException {
            List<String> lines = new ArrayList<>();
            String l;
            do {
                l = in.readLine();
                if (l == null) return lines;
                lines.add(l);
            } while (l.length() > 3 && l.charAt(3) == '-');
            return lines;
        }

        String line() throws IOException {
            return reply().get(0);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void acceptsAMessageAndRecordsEnvelopeContentAndTranscript() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").size(0).start(); Client c = new Client(mx)) {
            assertThat(c.line()).startsWith("220 fake.mx");
            c.send("EHLO client.test");
            assertThat(c.reply()).contains("250-PIPELINING", "250-SIZE", "250-8BITMIME", "250-SMTPUTF8", "250 ENHANCEDSTATUSCODES");
            c.send("MAIL FROM:<a@client.test> SIZE=30 BODY=8BITMIME");
            assertThat(c.line()).isEqualTo("250 2.1.0 Ok");
            c.send("RCPT TO:<b@example.com>");
            assertThat(c.line()).isEqualTo("250 2.1.5 Ok");
            c.send("DATA");
            assertThat(c.line()).startsWith("354 ");
            c.send("Subject: x", "", "..dot", "...two", ".");
            assertThat(c.line()).startsWith("250 2.0.0 Ok: queued as");
            c.send("QUIT");
            assertThat(c.line()).isEqualTo("221 2.0.0 Bye");

            ReceivedMessage m = mx.received().get(0);
            assertThat(m.helo()).isEqualTo("client.test");
            assertThat(m.mailFrom()).isEqualTo("a@client.test");
            assertThat(m.mailParameters()).containsExactly("SIZE=30", "BODY=8BITMIME");
            assertThat(m.recipients()).containsExactly("b@example.com");
            assertThat(m.text()).isEqualTo("Subject: x\r\n\r\n.dot\r\n..two\r\n");
            assertThat(mx.messages()).isEqualTo(1);
            assertThat(mx.transcript(1).commands()).containsExactly("EHLO client.test", "MAIL FROM:<a@client.test> SIZE=30 BODY=8BITMIME",
                    "RCPT TO:<b@example.com>", "DATA", "QUIT");
        }
    }

    @Test
    void pipelinedCommandsAreAllReadBeforeTheRepliesGoOutTogether() throws Exception {
        try (FakeMx mx = FakeMx.start(); Client c = new Client(mx)) {
            c.line();
            c.send("EHLO client.test");
            c.reply();
            c.send("MAIL FROM:<a@client.test>", "RCPT TO:<b@example.com>", "RCPT TO:<c@example.com>", "DATA");
            assertThat(List.of(c.line(), c.line(), c.line(), c.line())).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok",
                    "354 End data with <CR><LF>.<CR><LF>");

            List<Transcript.Line> lines = mx.transcript(1).lines();
            int mail = mx.transcript(1).indexOf(Transcript.Direction.IN, "MAIL");
            assertThat(lines.subList(mail, mail + 8)).extracting(Transcript.Line::direction).containsExactly(
                    Transcript.Direction.IN, Transcript.Direction.IN, Transcript.Direction.IN, Transcript.Direction.IN,
                    Transcript.Direction.OUT, Transcript.Direction.OUT, Transcript.Direction.OUT, Transcript.Direction.OUT);
        }
    }

    @Test
    void scriptedSequencesPerCommandAndPerRecipient() throws Exception {
        try (FakeMx mx = FakeMx.builder()
                .on(Command.MAIL, Action.reply(451, "4.3.0 first MAIL fails"), Action.proceed())
                .rcpt("no@example.com", 550, "5.1.1 no such user")
                .start(); Client c = new Client(mx)) {
            c.line();
            c.send("HELO client.test");
            assertThat(c.line()).isEqualTo("250 fake.mx");
            c.send("MAIL FROM:<>");
            assertThat(c.line()).isEqualTo("451 4.3.0 first MAIL fails");
            c.send("RCPT TO:<no@example.com>");
            assertThat(c.line()).startsWith("503 5.5.1");
            c.send("MAIL FROM:<>");
            assertThat(c.line()).isEqualTo("250 2.1.0 Ok");
            c.send("RCPT TO:<no@example.com>");
            assertThat(c.line()).isEqualTo("550 5.1.1 no such user");
            c.send("DATA");
            assertThat(c.line()).isEqualTo("554 5.5.1 Error: no valid recipients");
            assertThat(mx.count(Command.MAIL)).isEqualTo(2);
        }
    }

    @Test
    void lmtpRepliesOncePerAcceptedRecipientAfterTheDot() throws Exception {
        try (FakeMx mx = FakeMx.builder().lmtp().lmtpReply("full@example.com", 452, "4.2.2 full").start(); Client c = new Client(mx)) {
            c.line();
            c.send("EHLO client.test");
            assertThat(c.line()).startsWith("500 ");
            c.send("LHLO client.test");
            c.reply();
            c.send("MAIL FROM:<a@client.test>", "RCPT TO:<ok@example.com>", "RCPT TO:<full@example.com>", "DATA");
            for (int i = 0; i < 4; i++) c.line();
            c.send("hello", ".");
            assertThat(List.of(c.line(), c.line())).containsExactly("250 2.0.0 Ok: queued as FAKE1X0", "452 4.2.2 full");
            assertThat(mx.received().get(0).recipients()).containsExactly("ok@example.com");
        }
    }

    @Test
    void startTlsUpgradesTheConnectionWithASelfSignedCertificate() throws Exception {
        try (FakeMx mx = FakeMx.builder().starttls().start(); Client c = new Client(mx)) {
            c.line();
            c.send("EHLO client.test");
            assertThat(c.reply()).contains("250 STARTTLS");
            c.send("STARTTLS");
            assertThat(c.line()).isEqualTo("220 2.0.0 Ready to start TLS");
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(c.socket, "fake.mx", mx.port(), true);
            tls.startHandshake();
            assertThat(((X509Certificate) tls.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName()).isEqualTo("CN=fake.mx");
            c.socket = tls;
            c.attach();
            c.send("EHLO client.test");
            assertThat(c.reply()).doesNotContain("250 STARTTLS", "250-STARTTLS");
            c.send("NOOP");
            assertThat(c.line()).isEqualTo("250 2.0.0 Ok");
            assertThat(mx.transcript(1).lines()).filteredOn(l -> l.text().equals("NOOP")).singleElement().matches(Transcript.Line::tls);
        }
    }

    @Test
    void stallsUntilTheClientGivesUpAndDisconnectsOnRequest() throws Exception {
        try (FakeMx mx = FakeMx.builder().stall(Command.MAIL).disconnectOn(Command.RSET).start()) {
            try (Client c = new Client(mx)) {
                c.line();
                c.send("EHLO x");
                c.reply();
                c.send("MAIL FROM:<>");
                c.socket.setSoTimeout(200);
                try {
                    c.in.readLine();
                    throw new AssertionError("a stalled server answered");
                } catch (java.net.SocketTimeoutException expected) {
                    // stalled as scripted
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> mx.openConnections() == 0);
            try (Client c = new Client(mx)) {
                c.line();
                c.send("RSET");
                assertThat(c.in.readLine()).isNull();
            }
        }
    }

    @Test
    void disconnectAllDropsOpenConnectionsAndKeepsListening() throws Exception {
        try (FakeMx mx = FakeMx.start(); Client first = new Client(mx)) {
            first.line();
            await().atMost(Duration.ofSeconds(5)).until(() -> mx.openConnections() == 1);
            mx.disconnectAll();
            assertThat(first.in.readLine()).isNull();
            try (Client second = new Client(mx)) {
                assertThat(second.line()).startsWith("220");
            }
            assertThat(mx.connections()).isEqualTo(2);
        }
    }

    @Test
    void a421GreetingClosesTheConnection() throws Exception {
        try (FakeMx mx = FakeMx.builder().greeting(421, "4.3.2 busy").start(); Client c = new Client(mx)) {
            assertThat(c.line()).isEqualTo("421 4.3.2 busy");
            assertThat(c.in.readLine()).isNull();
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }

    @Test
    void floodSendsContinuationLinesUntilTheClientHangsUp() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").flood(Command.EHLO).start(); Client c = new Client(mx)) {
            assertThat(c.line()).startsWith("220 ");
            c.send("EHLO client.test");
            for (int i = 0; i < 5000; i++) assertThat(c.in.readLine()).startsWith("250-xxxx");
            c.close();

            await().atMost(Duration.ofSeconds(10)).until(() -> mx.openConnections() == 0);
            assertThat(mx.floodedBytes()).isGreaterThanOrEqualTo(5000L * 75);
            assertThat(mx.transcript(1).lines()).anyMatch(l -> l.text().contains("(flood)"));
        }
    }
}

package dev.outflow.submission.smtpd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.submission.FakeOutboundQueue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DATA abuse and limits over raw sockets: smuggling, oversize, pipelining, queue failures. */
class DataProtocolTest {
    private static final Map<String, String> RELAY = Map.of("smtpd.relay_networks", "127.0.0.1/32");

    @TempDir
    Path dir;

    private static RawSmtp inTransaction(SmtpFixture f) throws IOException {
        RawSmtp c = f.connect();
        c.last();
        c.ehlo();
        c.cmd("MAIL FROM:<s@sender.test>");
        c.cmd("RCPT TO:<r@one.test>");
        String r = c.cmd("DATA");
        if (!r.startsWith("354")) throw new IOException(r);
        return c;
    }

    @Test
    void bareLfInDataIsRefusedAndTheConnectionClosed() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = inTransaction(f)) {
            // Smuggling attempt: a server that accepted <LF>.<CR><LF> as the end would run the next MAIL.
            c.send("Subject: x\r\n\r\nbody\n.\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<v@one.test>\r\nDATA\r\nforged\r\n.\r\n");

            assertThat(c.last()).startsWith("554 5.6.0 ");
            assertThat(c.reply()).isEmpty();                        // closed
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void bareCrInDataIsRefused() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = inTransaction(f)) {
            c.send("Subject: x\r\n\r\nbody\r.\r\n.\r\n");

            assertThat(c.last()).startsWith("554 5.6.0 ");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void sizeParameterOverTheLimitIsRefusedAtMail() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.1", "outbound.max_message_bytes", "64k"));
             RawSmtp c = f.connect()) {
            c.last();
            assertThat(c.ehloLines()).contains("250-SIZE 65536", "250-PIPELINING", "250-8BITMIME");
            assertThat(c.cmd("MAIL FROM:<s@sender.test> SIZE=65537")).startsWith("552 5.3.4");
            assertThat(c.cmd("MAIL FROM:<s@sender.test> SIZE=65536 BODY=8BITMIME")).startsWith("250");
        }
    }

    @Test
    void oversizeDataIsAnsweredBeforeTheClientFinishesAndReadingStops() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.1", "outbound.max_message_bytes", "64k"));
             RawSmtp c = inTransaction(f)) {
            long total = 64L << 20;
            AtomicLong sent = new AtomicLong();
            OutputStream out = c.socket().getOutputStream();
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                byte[] chunk = ("x".repeat(1022) + "\r\n").repeat(64).getBytes(UTF_8);
                try {
                    out.write("Subject: big\r\n\r\n".getBytes(UTF_8));
                    while (sent.get() < total) {
                        out.write(chunk);
                        sent.addAndGet(chunk.length);
                    }
                    out.write(".\r\n".getBytes(UTF_8));
                } catch (IOException e) {
                    // expected: the server stopped reading and closed
                }
            });

            String reply = c.last();
            long sentWhenAnswered = sent.get();
            sender.get();

            assertThat(reply).startsWith("552 5.3.4");
            assertThat(sentWhenAnswered).isLessThan(total);
            assertThat(sent.get()).as("bytes the client could write before the server closed").isLessThan(total / 2);
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void slightlyOversizeDataIsDrainedAndTheSessionGoesOn() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.1", "outbound.max_message_bytes", "64k"));
             RawSmtp c = inTransaction(f)) {
            c.send("Subject: big\r\n\r\n" + ("y".repeat(998) + "\r\n").repeat(100) + ".\r\n");

            assertThat(c.last()).startsWith("552 5.3.4");
            assertThat(c.cmd("NOOP")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<s@sender.test>")).startsWith("250");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void pipelinedTransactionGetsEveryReplyInOrder() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.send("MAIL FROM:<s@sender.test>\r\nRCPT TO:<a@one.test>\r\nRCPT TO:<b@two.test>\r\nRCPT TO:<bad address>\r\nDATA\r\n");
            assertThat(List.of(c.last(), c.last(), c.last(), c.last(), c.last()))
                    .satisfiesExactly(r -> assertThat(r).startsWith("250 2.1.0"), r -> assertThat(r).startsWith("250 2.1.5"),
                            r -> assertThat(r).startsWith("250 2.1.5"), r -> assertThat(r).startsWith("501 5.1.3"),
                            r -> assertThat(r).startsWith("354"));
            c.send("Subject: p\r\n\r\n..dot\r\n.\r\nNOOP\r\nQUIT\r\n");

            assertThat(c.last()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(c.last()).startsWith("250");
            assertThat(c.last()).startsWith("221");
            assertThat(f.queue.queued().get(0).parts()).hasSize(2);
            String contents = new String(f.queue.queued().get(0).parts().get(0).delivery().contents(), UTF_8);
            assertThat(contents).contains("\r\n\r\n.dot\r\n").doesNotContain("..dot");
        }
    }

    @Test
    void queueFailureAnswers451AndQueuesNothing() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = inTransaction(f)) {
            f.queue.mode(FakeOutboundQueue.Mode.FAIL);
            assertThat(c.cmd("Subject: x\r\n\r\nbody\r\n.")).isEqualTo("451 4.3.0 Queue not available, try again later");
            assertThat(f.queue.queued()).isEmpty();

            f.queue.mode(FakeOutboundQueue.Mode.ACK);               // the same session can retry
            c.cmd("MAIL FROM:<s@sender.test>");
            c.cmd("RCPT TO:<r@one.test>");
            c.cmd("DATA");
            assertThat(c.cmd("Subject: x\r\n\r\nbody\r\n.")).startsWith("250 2.0.0 Ok: queued as");
            assertThat(f.queue.queued()).hasSize(1);
        }
    }

    @Test
    void queueThatNeverAcknowledgesAnswers451AfterTheWait() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.1", "smtpd.queue_timeout", "1s"));
             RawSmtp c = inTransaction(f)) {
            f.queue.mode(FakeOutboundQueue.Mode.HANG);
            long start = System.nanoTime();
            String reply = c.cmd("Subject: x\r\n\r\nbody\r\n.");
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(reply).startsWith("451 4.3.0");
            assertThat(millis).isGreaterThanOrEqualTo(1000);
            assertThat(f.queue.hangingCount()).isEqualTo(1);
            assertThat(f.queue.queued()).isEmpty();
        }
    }

    @Test
    void eightBitAndUtf8ContentsArriveUnchanged() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            assertThat(c.cmd("MAIL FROM:<s@sender.test> BODY=8BITMIME SMTPUTF8")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<jörg@bücher.test>")).startsWith("250");
            c.cmd("DATA");
            byte[] body = "Subject: Grüße\r\nMessage-ID: <u@x.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nÄÖÜ \u00ff\r\n".getBytes(UTF_8);
            c.sendBytes(body);
            assertThat(c.cmd(".")).startsWith("250");

            var part = f.queue.queued().get(0).parts().get(0);
            assertThat(part.routingKey()).isEqualTo("xn--bcher-kva.test");
            assertThat(part.delivery().recipients()).containsExactly("jörg@xn--bcher-kva.test");
            byte[] contents = part.delivery().contents();
            assertThat(new String(contents, UTF_8)).contains("with UTF8SMTP id").endsWith("\r\n\r\nÄÖÜ \u00ff\r\n");
            assertThat(Arrays.copyOfRange(contents, contents.length - body.length, contents.length)).isEqualTo(body);
        }
    }

    @Test
    void utf8AddressWithoutSmtpUtf8IsRefused() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            assertThat(c.cmd("MAIL FROM:<jörg@sender.test>")).startsWith("553 5.6.7");
            assertThat(c.cmd("MAIL FROM:<s@sender.test> DSN=X")).startsWith("555 5.5.4");
        }
    }
}

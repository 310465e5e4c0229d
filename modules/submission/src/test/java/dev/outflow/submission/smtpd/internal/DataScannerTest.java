package dev.outflow.submission.smtpd.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The DATA state machine, fed in every split so state survives buffer boundaries. */
class DataScannerTest {
    private record Result(int state, String data, int consumed) {}

    private static Result scanInChunks(String wire, int chunk) {
        byte[] b = wire.getBytes(UTF_8);
        DataScanner s = new DataScanner();
        MessageBuffer sink = new MessageBuffer();
        sink.reset(0);
        int pos = 0;
        while (pos < b.length && s.state != DataScanner.END && s.state != DataScanner.BAD) {
            int to = Math.min(b.length, pos + chunk);
            pos += s.scan(b, pos, to, sink);
            if (s.state != DataScanner.END && s.state != DataScanner.BAD && pos < to) throw new AssertionError("scanner stopped early");
        }
        return new Result(s.state, new String(sink.take(), UTF_8), pos);
    }

    @Test
    void unstuffsDotsAndStopsAtTheTerminator() {
        String wire = "Subject: x\r\n\r\n..dot\r\n...two\r\n.x\r\nend\r\n.\r\nNOOP\r\n";
        for (int chunk = 1; chunk <= wire.length(); chunk++) {
            Result r = scanInChunks(wire, chunk);
            assertThat(r.state()).as("chunk %d", chunk).isEqualTo(DataScanner.END);
            assertThat(r.data()).isEqualTo("Subject: x\r\n\r\n.dot\r\n..two\r\nx\r\nend\r\n");
            assertThat(r.consumed()).isEqualTo(wire.length() - "NOOP\r\n".length());
        }
    }

    @Test
    void emptyMessageIsJustTheTerminator() {
        Result r = scanInChunks(".\r\n", 1);

        assertThat(r.state()).isEqualTo(DataScanner.END);
        assertThat(r.data()).isEmpty();
    }

    @Test
    void bareLineEndsAnywhereAreBad() {
        for (String wire : new String[] {"a\nb\r\n.\r\n", "a\rb\r\n.\r\n", "a\r\n.\n", "a\r\n.\rx", "\n.\r\n", "a\r\n\r\r\n.\r\n"}) {
            for (int chunk = 1; chunk <= wire.length(); chunk++) {
                assertThat(scanInChunks(wire, chunk).state()).as("%s in chunks of %d", wire.replace("\r", "\\r").replace("\n", "\\n"), chunk)
                        .isEqualTo(DataScanner.BAD);
            }
        }
    }

    @Test
    void randomTextSurvivesStuffingRoundTrip() {
        Random rnd = new Random(42);
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            int len = rnd.nextInt(30);
            StringBuilder line = new StringBuilder();
            for (int j = 0; j < len; j++) line.append(rnd.nextInt(6) == 0 ? '.' : (char) ('a' + rnd.nextInt(26)));
            body.append(line).append("\r\n");
        }
        String stuffed = body.toString().replaceAll("(?m)^\\.", "..") + ".\r\n";
        Result r = scanInChunks(stuffed, 977);

        assertThat(r.state()).isEqualTo(DataScanner.END);
        assertThat(r.data()).isEqualTo(body.toString());
    }
}

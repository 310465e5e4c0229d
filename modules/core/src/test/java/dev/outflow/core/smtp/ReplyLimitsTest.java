package dev.outflow.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.smtp.internal.ReplyReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One reply can take only so much of the client: line length, lines and bytes are bounded. */
class ReplyLimitsTest {
    private static ReplyReader reader(String wire) {
        return new ReplyReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.US_ASCII)));
    }

    /** {@code 250-xxx} lines forever, produced as they are read. */
    private static final class Endless extends InputStream {
        private final byte[] line = ("250-" + "x".repeat(20) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        long served;

        @Override
        public int read() {
            return line[(int) (served++ % line.length)];
        }

        @Override
        public int read(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) b[off + i] = (byte) read();
            return len;
        }
    }

    @Test
    void aLineLongerThanTheLimitIsAProtocolError() {
        String over = "250 " + "x".repeat(ReplyReader.MAX_LINE) + "\r\n";
        assertThatThrownBy(() -> reader(over).read()).isInstanceOf(ProtocolException.class)
                .hasMessage("reply line longer than 2048 bytes");
        // a line that never ends fails once it cannot end within the bound, not at end of stream
        assertThatThrownBy(() -> reader("250 " + "x".repeat(5000)).read()).isInstanceOf(ProtocolException.class)
                .hasMessage("reply line longer than 2048 bytes");
    }

    @Test
    void aReplyOfMoreThanTheLineLimitIsAProtocolError() throws Exception {
        String ok = "250-x\r\n".repeat(ReplyReader.MAX_LINES - 1) + "250 x\r\n";
        assertThat(reader(ok).read().lines()).hasSize(ReplyReader.MAX_LINES);

        String over = "250-x\r\n".repeat(ReplyReader.MAX_LINES) + "250 x\r\n";
        assertThatThrownBy(() -> reader(over).read()).isInstanceOf(ProtocolException.class)
                .hasMessage("reply has more than 1000 lines");
    }

    @Test
    void aReplyOfMoreThanTheByteLimitIsAProtocolError() {
        // 100 lines of 1,000 bytes: within the line bounds, over 64 KiB in all
        String over = ("250-" + "x".repeat(996) + "\r\n").repeat(100) + "250 x\r\n";
        assertThatThrownBy(() -> reader(over).read()).isInstanceOf(ProtocolException.class)
                .hasMessage("reply is longer than 65536 bytes");
    }

    @Test
    void anEndlessReplyIsCutOffAfterAFewKilobytes() {
        Endless in = new Endless();
        ReplyReader r = new ReplyReader(in);

        assertThatThrownBy(r::read).isInstanceOf(ProtocolException.class).hasMessage("reply has more than 1000 lines");
        // the reader never asked for much more than the reply bound (one buffer of look-ahead)
        assertThat(in.served).isLessThan(ReplyReader.MAX_REPLY_BYTES + 8 * 1024);
    }

    @Test
    void pipelinedRepliesAfterALongLineStillParse() throws Exception {
        String longLine = "250 " + "y".repeat(ReplyReader.MAX_LINE - 4) + "\r\n";
        ReplyReader r = reader(longLine + "250 2.1.5 Ok\r\n354 go\r\n");
        assertThat(r.read().text()).hasSize(ReplyReader.MAX_LINE - 4);
        assertThat(r.read().enhancedCode()).isEqualTo("2.1.5");
        assertThat(r.read().code()).isEqualTo(354);
    }
}

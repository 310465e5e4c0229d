package dev.outflow.core.smtp.internal;

import dev.outflow.core.smtp.SmtpReply;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SMTP replies ({@code 250-first}, {@code 250 last}) from a stream through its own buffer,
 * so pipelined replies that arrive together are parsed without further reads. Not thread-safe.
 */
public final class ReplyReader {
    private static final int MAX_LINE = 64 * 1024;

    private InputStream in;
    private byte[] buf = new byte[4096];
    private int pos;
    private int lim;

    public ReplyReader(InputStream in) {
        this.in = in;
    }

    /** Reads from another stream, dropping what is buffered (after STARTTLS, RFC 3207 section 4.2). */
    public void switchTo(InputStream next) {
        in = next;
        pos = lim = 0;
    }

    /**
     * Reads one complete reply.
     *
     * @throws EOFException      when the server closed the connection
     * @throws ProtocolException when a line is not a reply line
     */
    public SmtpReply read() throws IOException {
        int code = -1;
        String first = null;
        List<String> lines = null;
        while (true) {
            int end = lineEnd();
            int s = pos;
            int e = end > s && buf[end - 1] == '\r' ? end - 1 : end;
            pos = end + 1;
            int len = e - s;
            if (len < 3 || !digit(buf[s]) || !digit(buf[s + 1]) || !digit(buf[s + 2]) || (len > 3 && buf[s + 3] != ' ' && buf[s + 3] != '-')) {
                throw new ProtocolException("malformed reply line: " + new String(buf, s, Math.min(len, 200), StandardCharsets.UTF_8));
            }
            int c = (buf[s] - '0') * 100 + (buf[s + 1] - '0') * 10 + (buf[s + 2] - '0');
            if (code < 0) code = c;
            String text = len > 4 ? new String(buf, s + 4, len - 4, StandardCharsets.UTF_8) : "";
            boolean last = len == 3 || buf[s + 3] == ' ';
            if (first == null) {
                first = text;
            } else {
                if (lines == null) {
                    lines = new ArrayList<>();
                    lines.add(first);
                }
                lines.add(text);
            }
            if (last) return SmtpReply.of(code, lines == null ? List.of(first) : lines);
        }
    }

    /** Index of the next LF, reading more input as needed. */
    private int lineEnd() throws IOException {
        int scan = pos;
        while (true) {
            for (int i = scan; i < lim; i++) if (buf[i] == '\n') return i;
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            scan = lim;
            if (lim == buf.length) {
                if (buf.length >= MAX_LINE) throw new ProtocolException("reply line longer than " + MAX_LINE + " bytes");
                buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) throw new EOFException("connection closed by the server");
            lim += n;
        }
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }
}

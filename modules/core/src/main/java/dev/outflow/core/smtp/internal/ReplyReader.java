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
 *
 * <p>A reply is bounded: a line of at most {@link #MAX_LINE} octets (Postfix's
 * {@code line_length_limit}; RFC 5321 4.5.3.1.5 allows 512), at most {@link #MAX_LINES} lines and
 * {@link #MAX_REPLY_BYTES} octets in all. A server that sends more (an endless {@code 250-...}
 * reply is a known way to exhaust a client's memory) gets a {@link ProtocolException} as soon as
 * the bound is crossed, so the memory one connection can take is fixed whatever the server does.
 */
public final class ReplyReader {
    /** Longest reply line, without its CRLF. */
    public static final int MAX_LINE = 2048;
    /** Most lines in one reply (a real EHLO reply has about 10-20). */
    public static final int MAX_LINES = 1000;
    /** Most octets in one reply, line ends included. */
    public static final int MAX_REPLY_BYTES = 64 * 1024;

    private InputStream in;
    // room for one longest line with its CRLF plus what follows it in the same read
    private final byte[] buf = new byte[2 * (MAX_LINE + 2)];
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
     * @throws ProtocolException when a line is not a reply line, or the reply exceeds a bound
     */
    public SmtpReply read() throws IOException {
        int code = -1;
        String first = null;
        List<String> lines = null;
        int count = 0;
        long bytes = 0;
        while (true) {
            int end = lineEnd();
            int s = pos;
            int e = end > s && buf[end - 1] == '\r' ? end - 1 : end;
            pos = end + 1;
            bytes += end + 1 - s;
            if (++count > MAX_LINES) throw new ProtocolException("reply has more than " + MAX_LINES + " lines");
            if (bytes > MAX_REPLY_BYTES) throw new ProtocolException("reply is longer than " + MAX_REPLY_BYTES + " bytes");
            int len = e - s;
            if (len > MAX_LINE) throw new ProtocolException("reply line longer than " + MAX_LINE + " bytes");
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

    /** Index of the next LF, reading more input as needed; fails once a line cannot end within the bound. */
    private int lineEnd() throws IOException {
        int scan = pos;
        while (true) {
            for (int i = scan; i < lim; i++) if (buf[i] == '\n') return i;
            if (lim - pos > MAX_LINE + 1) throw new ProtocolException("reply line longer than " + MAX_LINE + " bytes");
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            scan = lim;
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) throw new EOFException("connection closed by the server");
            lim += n;
        }
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }
}

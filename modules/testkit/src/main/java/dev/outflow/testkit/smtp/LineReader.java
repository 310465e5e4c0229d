package dev.outflow.testkit.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads LF-terminated lines from a stream into one reusable buffer, without copying. Before it
 * blocks for more input it runs {@code beforeBlock} (the server flushes its queued replies there,
 * which is what makes pipelining visible). Not thread-safe.
 */
final class LineReader {
    private static final int MAX_LINE = 64 * 1024 * 1024;

    private final Runnable beforeBlock;
    private InputStream in;
    private byte[] buf = new byte[16 * 1024];
    private int pos;
    private int lim;
    private int scan;
    private int start;
    private int end;
    private boolean crlf;

    LineReader(InputStream in, Runnable beforeBlock) {
        this.in = in;
        this.beforeBlock = beforeBlock;
    }

    /** Advances to the next line; false at end of stream (a partial last line is dropped). */
    boolean next() throws IOException {
        while (true) {
            for (int i = scan; i < lim; i++) {
                if (buf[i] == '\n') {
                    start = pos;
                    crlf = i > pos && buf[i - 1] == '\r';
                    end = crlf ? i - 1 : i;
                    pos = i + 1;
                    scan = pos;
                    return true;
                }
            }
            scan = lim;
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                scan -= pos;
                pos = 0;
            }
            if (lim == buf.length) {
                if (buf.length >= MAX_LINE) throw new IOException("line too long");
                byte[] bigger = new byte[buf.length * 2];
                System.arraycopy(buf, 0, bigger, 0, lim);
                buf = bigger;
            }
            beforeBlock.run();
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) return false;
            lim += n;
        }
    }

    byte[] buffer() { return buf; }
    int start() { return start; }
    int end() { return end; }
    int length() { return end - start; }
    boolean crlf() { return crlf; }

    /** The current line as text (UTF-8; SMTPUTF8 clients may send it). */
    String text() {
        return new String(buf, start, end - start, StandardCharsets.UTF_8);
    }

    /** True when the current line is exactly {@code .} (end of message content). */
    boolean isDot() {
        return end - start == 1 && buf[start] == '.';
    }

    /** Drops buffered input and reads from a new stream (after the TLS handshake, RFC 3207 section 4.2). */
    void switchTo(InputStream next) {
        in = next;
        pos = lim = scan = 0;
    }
}

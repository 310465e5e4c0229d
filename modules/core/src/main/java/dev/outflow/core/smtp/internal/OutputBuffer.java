package dev.outflow.core.smtp.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An unsynchronised output buffer for one connection: commands and content collect here and go to
 * the socket in as few writes as possible (one per pipelined batch). Not thread-safe.
 */
public final class OutputBuffer {
    private static final byte[] CRLF = {'\r', '\n'};

    private OutputStream out;
    private final byte[] buf;
    private int n;
    private Runnable beforeWrite;

    public OutputBuffer(OutputStream out, int size) {
        this.out = out;
        this.buf = new byte[size];
    }

    /**
     * Runs before each write to the stream, or nothing when null: a long DATA transfer re-arms its
     * deadline per block this way (RFC 5321 4.5.3.2 times each block, not the whole message).
     */
    public void beforeWrite(Runnable r) {
        beforeWrite = r;
    }

    /** Writes to another stream (after STARTTLS); the buffer must be empty. */
    public void switchTo(OutputStream next) {
        if (n != 0) throw new IllegalStateException("unflushed output");
        out = next;
    }

    public void write(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - n) {
            drain();
            if (len >= buf.length) {
                if (beforeWrite != null) beforeWrite.run();
                out.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, buf, n, len);
        n += len;
    }

    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    public void write(int b) throws IOException {
        if (n == buf.length) drain();
        buf[n++] = (byte) b;
    }

    /** A command line: the text (ASCII fast path; UTF-8 for SMTPUTF8 addresses) and CRLF. */
    public void line(String s) throws IOException {
        int len = s.length();
        if (len + 2 > buf.length - n) drain();
        if (len + 2 <= buf.length - n) {
            int start = n;
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    n = start;
                    write(s.getBytes(StandardCharsets.UTF_8));
                    write(CRLF, 0, 2);
                    return;
                }
                buf[n++] = (byte) c;
            }
            buf[n++] = '\r';
            buf[n++] = '\n';
        } else {
            write(s.getBytes(StandardCharsets.UTF_8));
            write(CRLF, 0, 2);
        }
    }

    /** Sends everything buffered. */
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        if (n > 0) {
            if (beforeWrite != null) beforeWrite.run();
            out.write(buf, 0, n);
            n = 0;
        }
    }
}

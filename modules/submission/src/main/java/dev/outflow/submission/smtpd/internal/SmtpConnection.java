package dev.outflow.submission.smtpd.internal;

import dev.outflow.core.smtp.Watchdog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The byte level of one SMTP server connection: buffered reads of command lines and of DATA
 * (dot-unstuffing, strict CRLF), buffered replies flushed only when the client has nothing more
 * pipelined (RFC 2920), the STARTTLS upgrade, and the deadline that the {@link Watchdog} enforces
 * (no per-read socket timeout): the idle timeout, but never past the end of the session's lifetime.
 * Used by one session thread; only {@link #deadline} and {@link #expire()} are touched by the watchdog.
 */
final class SmtpConnection implements AutoCloseable, Watchdog.Guarded {
    /** A connection still open this long after it was expired is closed outright. */
    private static final long GRACE_NANOS = Duration.ofSeconds(5).toNanos();

    /** Outcome of reading DATA. */
    enum DataEnd { COMPLETE, TOO_BIG, BARE_LINE_END, EOF }

    static final class LineTooLongException extends IOException {
        LineTooLongException() {
            super("line too long");
        }
    }

    private static final int IN_SIZE = 32 << 10;
    private static final int OUT_SIZE = 8 << 10;

    private final Socket raw;
    private final long timeoutNanos;
    private final long sessionEnd;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] inBuf = new byte[IN_SIZE];
    private int pos;
    private int lim;
    private final byte[] outBuf = new byte[OUT_SIZE];
    private int outLen;

    /** System.nanoTime() after which the connection is idle too long; Long.MAX_VALUE while the server itself is busy. */
    volatile long deadline;
    private volatile boolean expired;

    SmtpConnection(Socket raw, long timeoutNanos, long lifetimeNanos) throws IOException {
        this.raw = raw;
        this.socket = raw;
        this.timeoutNanos = timeoutNanos;
        this.sessionEnd = System.nanoTime() + lifetimeNanos;
        this.in = raw.getInputStream();
        this.out = raw.getOutputStream();
        raw.setTcpNoDelay(true);
        touch();
    }

    InetAddress remoteAddress() {
        return raw.getInetAddress();
    }

    boolean isTls() {
        return socket instanceof SSLSocket;
    }

    SSLSession tlsSession() {
        return socket instanceof SSLSocket s ? s.getSession() : null;
    }

    boolean expired() {
        return expired;
    }

    /** True once the session has lived its maximum time. */
    boolean lifetimeOver() {
        return System.nanoTime() - sessionEnd >= 0;
    }

    /** Restarts the idle clock (never beyond the end of the session's lifetime). */
    void touch() {
        long idle = System.nanoTime() + timeoutNanos;
        deadline = idle - sessionEnd < 0 ? idle : sessionEnd;
    }

    /** Stops the idle clock while the server works (e.g. waits for the broker), which is bounded elsewhere. */
    void pauseClock() {
        deadline = Long.MAX_VALUE;
    }

    @Override
    public long deadline() {
        long d = deadline;
        return d == Long.MAX_VALUE ? 0 : d;
    }

    /**
     * Called by the watchdog on each tick past the deadline: the first time, wakes the blocked
     * reader with end-of-input so the session can say 421 and close (a TLS connection is closed
     * outright: no clean way to write after a broken read); a grace period later, closes a
     * connection still open.
     */
    @Override
    public void expire() {
        if (expired) {
            if (System.nanoTime() - deadline > GRACE_NANOS) closeQuietly();
            return;
        }
        expired = true;
        try {
            if (isTls()) raw.close();
            else raw.shutdownInput();
        } catch (IOException e) {
            closeQuietly();
        }
    }

    // --- replies

    /** Queues a reply line (CRLF added); sent at the next flush, or when the client has nothing more pipelined. */
    void reply(String line) throws IOException {
        int len = line.length();
        if (outLen + len + 2 > outBuf.length) flush();
        if (len + 2 > outBuf.length) {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        for (int i = 0; i < len; i++) {
            char c = line.charAt(i);
            outBuf[outLen++] = c < 128 ? (byte) c : (byte) '?';
        }
        outBuf[outLen++] = '\r';
        outBuf[outLen++] = '\n';
    }

    void flush() throws IOException {
        if (outLen > 0) {
            out.write(outBuf, 0, outLen);
            outLen = 0;
        }
        out.flush();
    }

    // --- commands

    /**
     * The next command line without its line end (CRLF or a lenient bare LF), decoded as UTF-8;
     * null at end of input. Pending replies are flushed before blocking for more input.
     *
     * @throws LineTooLongException after discarding a line longer than {@code max} bytes
     */
    String readLine(int max) throws IOException {
        boolean tooLong = false;
        while (true) {
            for (int i = pos; i < lim; i++) {
                if (inBuf[i] == '\n') {
                    int end = i > pos && inBuf[i - 1] == '\r' ? i - 1 : i;
                    tooLong |= end - pos > max;
                    String line = tooLong ? null : new String(inBuf, pos, end - pos, StandardCharsets.UTF_8);
                    pos = i + 1;
                    if (tooLong) throw new LineTooLongException();
                    return line;
                }
            }
            if (lim - pos > max) {
                tooLong = true;
                pos = lim;                       // discard, keep looking for the line end
            }
            if (!fill()) return null;
        }
    }

    /** True when the client already sent more bytes than were consumed (pipelined commands). */
    boolean hasBufferedInput() {
        return pos < lim;
    }

    /** Drops buffered input: commands pipelined after STARTTLS must not survive the upgrade (RFC 3207 4.2). */
    void discardBufferedInput() {
        pos = lim = 0;
    }

    // --- DATA

    /**
     * Reads message data up to the terminating {@code CRLF.CRLF}, removing dot-stuffing, into
     * {@code sink}. Stops at once (without reading the rest) when the data exceed {@code max} bytes
     * or contain a CR or LF that is not part of CRLF: a server and a client that disagree on line
     * ends are how SMTP smuggling works.
     */
    DataEnd readData(MessageBuffer sink, long max, DataScanner scan) throws IOException {
        long limit = sink.size() + max;
        while (true) {
            if (pos == lim && !fill()) return DataEnd.EOF;
            int consumed = scan.scan(inBuf, pos, lim, sink);
            pos += consumed;
            if (scan.state == DataScanner.END) return DataEnd.COMPLETE;
            if (scan.state == DataScanner.BAD) return DataEnd.BARE_LINE_END;
            if (sink.size() > limit) return DataEnd.TOO_BIG;
        }
    }

    /**
     * After an early reply to oversize data: reads and drops the rest of the data up to its end, at
     * most {@code maxBytes} more bytes and {@code maxMillis}; answers true when the end was found
     * (the session may go on), false when the connection must be closed.
     */
    boolean discardRestOfData(DataScanner scan, long maxBytes, long maxMillis) throws IOException {
        deadline = System.nanoTime() + maxMillis * 1_000_000;
        long left = maxBytes;
        try {
            while (left > 0) {
                if (pos == lim && !fillKeepingDeadline()) return false;
                int consumed = scan.scan(inBuf, pos, lim, null);
                pos += consumed;
                left -= consumed;
                if (scan.state == DataScanner.END) return true;
                if (scan.state == DataScanner.BAD) return false;
            }
            return false;
        } finally {
            touch();
        }
    }

    // --- TLS

    /** Replaces the plain socket with a TLS server socket over it and handshakes. Buffered plaintext is discarded. */
    void startTls(SSLContext context) throws IOException {
        flush();
        discardBufferedInput();
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(raw, raw.getInetAddress().getHostAddress(), raw.getPort(), true);
        s.setUseClientMode(false);
        touch();
        socket = s;
        s.startHandshake();
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    // --- closing

    /**
     * Ends the connection after a reply sent while the client may still be sending (oversize or bad
     * DATA): flushes, signals end of output, reads and drops what arrives for a short while so the
     * client sees the reply rather than a reset, then closes.
     */
    void closeAfterReply(long drainBytes, long drainMillis) {
        try {
            flush();
            if (!isTls()) raw.shutdownOutput();
            long until = System.nanoTime() + drainMillis * 1_000_000;
            deadline = until;                       // the watchdog ends a drain that blocks
            long left = drainBytes;
            while (left > 0 && System.nanoTime() < until) {
                int n = in.read(inBuf, 0, (int) Math.min(inBuf.length, left));
                if (n < 0) break;
                left -= n;
            }
        } catch (IOException | UnsupportedOperationException e) {
            // the client went away first: nothing more to say
        }
        closeQuietly();
    }

    @Override
    public void close() {
        try {
            flush();
        } catch (IOException e) {
            // closing anyway
        }
        closeQuietly();
    }

    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
        try {
            raw.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private boolean fill() throws IOException {
        touch();
        return fillKeepingDeadline();
    }

    private boolean fillKeepingDeadline() throws IOException {
        if (outLen > 0) flush();
        if (pos > 0) {
            System.arraycopy(inBuf, pos, inBuf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (lim == inBuf.length) return true;     // caller consumes or discards before asking again
        int n;
        try {
            n = in.read(inBuf, lim, inBuf.length - lim);
        } catch (IOException e) {
            if (expired) return false;
            throw e;
        }
        if (n < 0) return false;
        lim += n;
        return true;
    }
}

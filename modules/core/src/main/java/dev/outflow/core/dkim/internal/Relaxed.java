package dev.outflow.core.dkim.internal;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;

/**
 * The "relaxed" canonicalization of RFC 6376 3.4.2 (header) and 3.4.4 (body), on bytes. Stateless.
 */
public final class Relaxed {
    private static final byte[] CRLF = {'\r', '\n'};

    private Relaxed() {}

    /**
     * One header field: name in lower case, unfolded, runs of blanks as one space, no blanks around
     * the colon or at the end, then CRLF when {@code withCrlf}.
     */
    public static void header(byte[] m, int start, int end, boolean withCrlf, ByteArrayOutputStream out) {
        int colon = start;
        while (m[colon] != ':') colon++;
        int nameEnd = colon;
        while (nameEnd > start && isWsp(m[nameEnd - 1])) nameEnd--;
        for (int i = start; i < nameEnd; i++) {
            byte b = m[i];
            out.write(b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        out.write(':');
        boolean pendingSpace = false;
        boolean started = false;
        for (int i = colon + 1; i < end; i++) {
            byte b = m[i];
            if (b == '\r' || b == '\n') continue;               // unfold
            if (isWsp(b)) {
                pendingSpace = started;
                continue;
            }
            if (pendingSpace) out.write(' ');
            pendingSpace = false;
            started = true;
            out.write(b);
        }
        if (withCrlf) out.writeBytes(CRLF);
    }

    /**
     * Hashes the body from {@code start}: blanks at line ends removed, runs of blanks as one space,
     * empty lines at the end removed; a non-empty body ends with CRLF, an empty one hashes nothing.
     */
    public static void body(byte[] m, int start, MessageDigest digest) {
        int n = m.length;
        int pendingEmptyLines = 0;
        byte[] line = new byte[256];
        int p = start;
        while (p < n) {
            int eol = p;
            while (eol < n && !(m[eol] == '\r' && eol + 1 < n && m[eol + 1] == '\n')) eol++;
            int len = 0;
            boolean pendingSpace = false;
            if (line.length < eol - p + 1) line = new byte[eol - p + 1];
            for (int i = p; i < eol; i++) {
                byte b = m[i];
                if (isWsp(b)) {
                    pendingSpace = true;
                    continue;
                }
                if (pendingSpace) line[len++] = ' ';
                pendingSpace = false;
                line[len++] = b;
            }
            if (len == 0) {
                pendingEmptyLines++;
            } else {
                for (; pendingEmptyLines > 0; pendingEmptyLines--) digest.update(CRLF);
                digest.update(line, 0, len);
                digest.update(CRLF);
            }
            p = eol + 2;
        }
    }

    private static boolean isWsp(byte b) {
        return b == ' ' || b == '\t';
    }
}

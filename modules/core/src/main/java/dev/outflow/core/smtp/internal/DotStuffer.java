package dev.outflow.core.smtp.internal;

import java.io.IOException;

/**
 * Writes message content for DATA in one pass: bare LF becomes CRLF, a line starting with a dot
 * gets a second dot (RFC 5321 section 4.5.2), a missing final line end is added, then the
 * terminating {@code .CRLF}. Runs of unchanged bytes are copied in bulk.
 */
public final class DotStuffer {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = {'.', '\r', '\n'};

    private DotStuffer() {}

    public static void write(byte[] m, OutputBuffer out) throws IOException {
        int n = m.length;
        int start = 0;
        boolean lineStart = true;
        for (int i = 0; i < n; i++) {
            byte b = m[i];
            if (b == '\n') {
                if (i == 0 || m[i - 1] != '\r') {
                    out.write(m, start, i - start);
                    out.write(CRLF, 0, 2);
                    start = i + 1;
                }
                lineStart = true;
            } else {
                if (lineStart && b == '.') {
                    out.write(m, start, i - start);
                    out.write('.');
                    start = i;
                }
                lineStart = false;
            }
        }
        out.write(m, start, n - start);
        if (n > 0 && m[n - 1] != '\n') {
            if (m[n - 1] == '\r') out.write('\n');
            else out.write(CRLF, 0, 2);
        }
        out.write(END, 0, 3);
    }
}

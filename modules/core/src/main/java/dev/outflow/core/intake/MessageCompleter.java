package dev.outflow.core.intake;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;

/**
 * Makes raw message bytes ready to send: every line end becomes CRLF, the message ends with CRLF,
 * and {@code Message-ID} and {@code Date} are added at the end of the header section when missing.
 * Works on bytes in one or two passes without decoding; returns the input array itself when
 * nothing changes. Stateless and thread-safe.
 */
final class MessageCompleter {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private MessageCompleter() {}

    /**
     * @param messageIdValue the value for an added Message-ID, e.g. {@code <id@me>}
     * @param now            the value for an added Date
     */
    static byte[] complete(byte[] raw, String messageIdValue, ZonedDateTime now) {
        byte[] m = normaliseLineEnds(raw);
        int[] scan = scanHeaders(m);
        int insertAt = scan[0];
        boolean hasMessageId = scan[1] != 0;
        boolean hasDate = scan[2] != 0;
        if (hasMessageId && hasDate) return m;
        StringBuilder add = new StringBuilder(96);
        if (!hasMessageId) add.append("Message-ID: ").append(messageIdValue).append("\r\n");
        if (!hasDate) add.append("Date: ").append(RFC5322_DATE.format(now)).append("\r\n");
        // A first line that is not a header field starts the body: keep it out of the headers.
        boolean needBlank = insertAt < m.length && !(m[insertAt] == CR && insertAt + 1 < m.length && m[insertAt + 1] == LF);
        if (needBlank) add.append("\r\n");
        byte[] extra = add.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[m.length + extra.length];
        System.arraycopy(m, 0, out, 0, insertAt);
        System.arraycopy(extra, 0, out, insertAt, extra.length);
        System.arraycopy(m, insertAt, out, insertAt + extra.length, m.length - insertAt);
        return out;
    }

    /** CRLF for every bare CR, bare LF and CRLF; a final CRLF when missing. The input itself when already so. */
    static byte[] normaliseLineEnds(byte[] in) {
        int extra = 0;
        int n = in.length;
        for (int i = 0; i < n; i++) {
            byte b = in[i];
            if (b == CR) {
                if (i + 1 < n && in[i + 1] == LF) i++;
                else extra++;
            } else if (b == LF) {
                extra++;
            }
        }
        boolean endsWithCrlf = n >= 2 && in[n - 2] == CR && in[n - 1] == LF;
        boolean endsWithBreak = n > 0 && (in[n - 1] == LF || in[n - 1] == CR);
        boolean addFinal = n > 0 && !endsWithCrlf && !endsWithBreak;
        if (extra == 0 && !addFinal) return in;
        byte[] out = new byte[n + extra + (addFinal ? 2 : 0)];
        int o = 0;
        for (int i = 0; i < n; i++) {
            byte b = in[i];
            if (b == CR) {
                out[o++] = CR;
                out[o++] = LF;
                if (i + 1 < n && in[i + 1] == LF) i++;
            } else if (b == LF) {
                out[o++] = CR;
                out[o++] = LF;
            } else {
                out[o++] = b;
            }
        }
        if (addFinal) {
            out[o++] = CR;
            out[o++] = LF;
        }
        return o == out.length ? out : Arrays.copyOf(out, o);
    }

    /**
     * Scans the header section of a CRLF message. Returns {insertAt, hasMessageId, hasDate}: insertAt is
     * the offset just after the last header line (the empty line, the first non-header line, or the end).
     */
    static int[] scanHeaders(byte[] m) {
        int p = 0;
        int n = m.length;
        boolean messageId = false;
        boolean date = false;
        boolean inField = false;
        while (p < n) {
            int eol = indexOfCrlf(m, p);
            int lineEnd = eol < 0 ? n : eol;
            if (lineEnd == p) break;                       // empty line: end of headers
            byte first = m[p];
            if (first == ' ' || first == '\t') {
                if (!inField) break;                       // continuation without a field: body
            } else {
                int colon = fieldNameEnd(m, p, lineEnd);
                if (colon < 0) break;                      // not a header field: body starts here
                inField = true;
                if (!messageId && nameIs(m, p, colon, "message-id")) messageId = true;
                else if (!date && nameIs(m, p, colon, "date")) date = true;
            }
            p = eol < 0 ? n : eol + 2;
        }
        return new int[] {p, messageId ? 1 : 0, date ? 1 : 0};
    }

    private static int indexOfCrlf(byte[] m, int from) {
        for (int i = from; i + 1 < m.length; i++) {
            if (m[i] == CR && m[i + 1] == LF) return i;
        }
        return -1;
    }

    /** Offset of the end of the field name (before optional blanks and the colon), or -1 when the line is no field. */
    private static int fieldNameEnd(byte[] m, int from, int to) {
        int i = from;
        while (i < to && m[i] > 32 && m[i] < 127 && m[i] != ':') i++;
        if (i == from) return -1;
        int nameEnd = i;
        while (i < to && (m[i] == ' ' || m[i] == '\t')) i++;     // obsolete "Name :" form
        return i < to && m[i] == ':' ? nameEnd : -1;
    }

    private static boolean nameIs(byte[] m, int from, int to, String lowerName) {
        if (to - from != lowerName.length()) return false;
        for (int i = 0; i < lowerName.length(); i++) {
            int b = m[from + i];
            if (b >= 'A' && b <= 'Z') b += 32;
            if (b != lowerName.charAt(i)) return false;
        }
        return true;
    }
}

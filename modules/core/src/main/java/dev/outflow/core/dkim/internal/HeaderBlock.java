package dev.outflow.core.dkim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header fields of a CRLF message as raw byte ranges (a field includes its folded lines and its
 * final CRLF), and where the body starts. Never decodes the bytes, so 8-bit header text is signed
 * exactly as it will be sent.
 */
public final class HeaderBlock {
    /** One header field: lower-case name and the offsets of its raw text in the message. */
    public record Field(String name, int start, int end) {}

    private final byte[] message;
    private final List<Field> fields;
    private final int bodyStart;

    private HeaderBlock(byte[] message, List<Field> fields, int bodyStart) {
        this.message = message;
        this.fields = fields;
        this.bodyStart = bodyStart;
    }

    /**
     * Splits a message. Like intake's completer, a line that is not a header field (or continues
     * none) starts the body even without the empty line before it.
     */
    public static HeaderBlock parse(byte[] m) {
        List<Field> fields = new ArrayList<>(24);
        int p = 0;
        int n = m.length;
        Field open = null;
        while (p < n) {
            int eol = indexOfCrlf(m, p);
            int next = eol < 0 ? n : eol + 2;
            if (eol == p) {                                    // the empty line: the body follows
                if (open != null) fields.add(open);
                return new HeaderBlock(m, fields, next);
            }
            if (m[p] == ' ' || m[p] == '\t') {
                if (open == null) return new HeaderBlock(m, fields, p);
                open = new Field(open.name(), open.start(), next);
            } else {
                int nameEnd = p;
                while (nameEnd < next && m[nameEnd] != ':' && m[nameEnd] > 32 && m[nameEnd] < 127) nameEnd++;
                int colon = nameEnd;
                while (colon < next && (m[colon] == ' ' || m[colon] == '\t')) colon++;     // obsolete "Name :" form
                if (open != null) fields.add(open);
                if (nameEnd == p || colon >= next || m[colon] != ':') return new HeaderBlock(m, fields, p);
                open = new Field(new String(m, p, nameEnd - p, java.nio.charset.StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT), p, next);
            }
            p = next;
        }
        if (open != null) fields.add(open);
        return new HeaderBlock(m, fields, n);
    }

    public List<Field> fields() {
        return fields;
    }

    public int bodyStart() {
        return bodyStart;
    }

    public byte[] message() {
        return message;
    }

    /** The fields named {@code lowerName}, top to bottom. */
    public List<Field> named(String lowerName) {
        List<Field> out = new ArrayList<>(2);
        for (Field f : fields) if (f.name().equals(lowerName)) out.add(f);
        return out;
    }

    /** The unfolded value of a field (after the colon), as UTF-8 text. */
    public String value(Field f) {
        int colon = f.start();
        while (message[colon] != ':') colon++;
        String raw = new String(message, colon + 1, f.end() - colon - 1, java.nio.charset.StandardCharsets.UTF_8);
        return raw.replace("\r\n", "").trim();
    }

    private static int indexOfCrlf(byte[] m, int from) {
        for (int i = from; i + 1 < m.length; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n') return i;
        }
        return -1;
    }
}

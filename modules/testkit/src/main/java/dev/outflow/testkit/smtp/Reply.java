package dev.outflow.testkit.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply of the fake server: a code and a text. A text with {@code \n} becomes a multi-line
 * reply ({@code 250-first}, {@code 250 last}). The wire form is encoded once. Immutable.
 */
public final class Reply {
    private final int code;
    private final String text;
    private final List<String> lines;
    private final byte[] wire;

    public Reply(int code, String text) {
        if (code < 100 || code > 599) throw new IllegalArgumentException("reply code " + code);
        this.code = code;
        this.text = text == null ? "" : text;
        String[] parts = this.text.indexOf('\n') < 0 ? new String[] {this.text} : this.text.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        String[] formatted = new String[parts.length];
        for (int i = 0; i < parts.length; i++) {
            formatted[i] = code + (i < parts.length - 1 ? "-" : " ") + parts[i];
            sb.append(formatted[i]).append("\r\n");
        }
        this.lines = List.of(formatted);
        this.wire = sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static Reply of(int code, String text) {
        return new Reply(code, text);
    }

    public int code() { return code; }
    public String text() { return text; }

    /** The reply as sent, one entry per line, without CRLF. */
    public List<String> lines() { return lines; }

    byte[] wire() { return wire; }

    public boolean isPositive() { return code < 400; }

    @Override
    public String toString() { return String.join("\\r\\n", lines); }
}

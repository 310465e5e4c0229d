package dev.outflow.core.bounce;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text of the human-readable part of a DSN ({@code outbound.bounce_message}), with Haraka's
 * placeholders: {@code {pid} {date} {me} {from} {msgid} {to} {reason}}, plus the newer Haraka
 * ones {@code {recipients} {extended_reason} {subject}}. An unknown placeholder becomes {@code ?}
 * as in Haraka.
 *
 * <p>Like Haraka's file, a template may start with a header block (lines such as
 * {@code Subject: failure notice}, then an empty line); those headers go on the DSN itself. When
 * the first line is not a header field, the whole text is the body. See {@link BounceBuilder} for
 * which headers a template may set.
 *
 * <p>{@link #fromFile} re-reads the file when its modification time changes (Haraka watches its
 * config files too), and uses the built-in text, a copy of the repository's
 * {@code config/outbound.bounce_message}, when the file is missing or unreadable. Thread-safe.
 */
public final class BounceTemplate {
    private static final Logger log = LoggerFactory.getLogger(BounceTemplate.class);
    /** Class path resource (next to this class) holding the built-in template. */
    static final String RESOURCE = "outbound.bounce_message";
    private static final Parsed BUILT_IN = parse(readResource());

    private final Path file;
    private volatile Loaded loaded;

    private BounceTemplate(Path file, Loaded loaded) {
        this.file = file;
        this.loaded = loaded;
    }

    /** A fixed template text (tests, plugins). */
    public static BounceTemplate of(String text) {
        return new BounceTemplate(null, new Loaded(null, parse(text)));
    }

    /** The built-in text shipped in the jar. */
    public static BounceTemplate builtIn() {
        return new BounceTemplate(null, new Loaded(null, BUILT_IN));
    }

    /** The template in {@code file}, re-read when it changes; the built-in text while it is missing. */
    public static BounceTemplate fromFile(Path file) {
        BounceTemplate t = new BounceTemplate(Objects.requireNonNull(file), new Loaded(null, BUILT_IN));
        t.current();
        return t;
    }

    /** A rendered template: headers for the DSN and the body text with CRLF line ends. */
    public record Rendered(List<Map.Entry<String, String>> headers, String body) {
        public Rendered {
            headers = List.copyOf(headers);
        }
    }

    /**
     * Fills in the placeholders. Values used in header lines have CR and LF replaced by spaces,
     * so a value can never add a header.
     */
    public Rendered render(Map<String, String> values) {
        Parsed p = current();
        List<Map.Entry<String, String>> headers = new ArrayList<>(p.headers.size());
        for (var h : p.headers) headers.add(Map.entry(h.getKey(), fill(h.getValue(), values, true)));
        return new Rendered(headers, toCrlf(fill(p.body, values, false)));
    }

    private Parsed current() {
        Loaded l = loaded;
        if (file == null) return l.parsed;
        FileTime mtime;
        try {
            mtime = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            if (l.mtime != null) log.warn("Bounce template {} is gone; using the built-in text", file);
            loaded = l = new Loaded(null, BUILT_IN);
            return l.parsed;
        } catch (IOException e) {
            log.warn("Cannot read bounce template {}: {}; keeping the previous text", file, e.toString());
            return l.parsed;
        }
        if (mtime.equals(l.mtime)) return l.parsed;
        try {
            loaded = l = new Loaded(mtime, parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException | UncheckedIOException e) {
            log.warn("Cannot read bounce template {}: {}; keeping the previous text", file, e.toString());
        }
        return l.parsed;
    }

    private record Loaded(FileTime mtime, Parsed parsed) {}

    private record Parsed(List<Map.Entry<String, String>> headers, String body) {}

    static Parsed parse(String text) {
        String t = text.replace("\r\n", "\n").replace('\r', '\n');
        if (t.startsWith("\uFEFF")) t = t.substring(1);
        int blank = t.indexOf("\n\n");
        if (blank < 0 || !isFieldLine(t.substring(0, t.indexOf('\n')))) return new Parsed(List.of(), t);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line : t.substring(0, blank).split("\n")) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && !headers.isEmpty()) {
                var last = headers.removeLast();
                headers.add(Map.entry(last.getKey(), last.getValue() + " " + line.strip()));
            } else if (isFieldLine(line)) {
                int colon = line.indexOf(':');
                headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).strip()));
            } else {
                return new Parsed(List.of(), t); // not a header block after all: all body
            }
        }
        return new Parsed(headers, t.substring(blank + 2));
    }

    /** RFC 5322 field name (printable ASCII but ':' and space) followed by ':'. */
    private static boolean isFieldLine(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) return false;
        for (int i = 0; i < colon; i++) {
            char c = line.charAt(i);
            if (c <= ' ' || c > '~') return false;
        }
        return true;
    }

    private static String fill(String s, Map<String, String> values, boolean header) {
        StringBuilder out = new StringBuilder(s.length() + 256);
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int end = c == '{' ? wordEnd(s, i + 1) : -1;
            if (end < 0) {
                out.append(c);
                i++;
                continue;
            }
            String v = values.get(s.substring(i + 1, end));
            if (v == null || v.isEmpty()) v = "?";
            out.append(header ? v.replace('\r', ' ').replace('\n', ' ') : v);
            i = end + 1;
        }
        return out.toString();
    }

    /** Index of the '}' closing a {word} placeholder starting at {@code from}, or -1. */
    private static int wordEnd(String s, int from) {
        int i = from;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
        return i > from && i < s.length() && s.charAt(i) == '}' ? i : -1;
    }

    private static String toCrlf(String s) {
        String lf = s.replace("\r\n", "\n").replace('\r', '\n');
        return lf.replace("\n", "\r\n");
    }

    private static String readResource() {
        try (InputStream in = BounceTemplate.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing class path resource " + RESOURCE);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

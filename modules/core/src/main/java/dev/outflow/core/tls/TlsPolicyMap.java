package dev.outflow.core.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-destination TLS policies from a file ({@code tls.policy_map}), like Postfix's
 * {@code smtp_tls_policy_maps}: one {@code DOMAIN LEVEL} per line, {@code #} comments, a leading
 * dot ({@code .example.com}) for every subdomain. An exact domain wins over a suffix, a longer
 * suffix over a shorter one. A missing file is an empty map.
 *
 * <p>The file is re-read when its modification time changes (checked at each lookup: one stat per
 * delivery), so edits apply without a restart; a version with a bad line is refused with an error
 * log and the previous version stays in force. Thread-safe.
 */
public final class TlsPolicyMap {
    private static final Logger log = LoggerFactory.getLogger(TlsPolicyMap.class);

    private final Path file;
    private volatile Loaded loaded;

    private record Loaded(FileTime modified, Map<String, TlsLevel> exact, Map<String, TlsLevel> suffixes) {}

    /**
     * Reads the file now.
     *
     * @throws IllegalArgumentException naming the file and line when it cannot be read or is malformed
     */
    public TlsPolicyMap(Path file) {
        this.file = file;
        this.loaded = read(file);
    }

    /** The explicit policy for a domain, or null when the map has none. */
    public TlsLevel levelFor(String domain) {
        Loaded l = current();
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        TlsLevel exact = l.exact.get(d);
        if (exact != null) return exact;
        for (int i = d.indexOf('.'); i >= 0; i = d.indexOf('.', i + 1)) {
            TlsLevel s = l.suffixes.get(d.substring(i));
            if (s != null) return s;
        }
        return null;
    }

    public Path file() {
        return file;
    }

    private Loaded current() {
        Loaded l = loaded;
        FileTime now;
        try {
            now = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            now = null;
        }
        if (java.util.Objects.equals(now, l.modified)) return l;
        synchronized (this) {
            if (loaded != l) return loaded;
            try {
                loaded = read(file);
                log.info("TLS policy map {} reloaded", file);
            } catch (IllegalArgumentException e) {
                log.error("TLS policy map not reloaded, keeping the previous version: {}", e.getMessage());
                loaded = new Loaded(now, l.exact, l.suffixes);
            }
            return loaded;
        }
    }

    static Loaded read(Path file) {
        FileTime modified;
        List<String> lines;
        try {
            modified = Files.getLastModifiedTime(file);
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Loaded(null, Map.of(), Map.of());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        Map<String, TlsLevel> exact = new HashMap<>();
        Map<String, TlsLevel> suffixes = new HashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.strip();
            if (line.isEmpty()) continue;
            String[] parts = line.split("\\s+");
            String where = file + " line " + (n + 1) + ": ";
            if (parts.length != 2) throw new IllegalArgumentException(where + "expected 'DOMAIN LEVEL', got '" + line + "'");
            TlsLevel level;
            try {
                level = TlsLevel.parse(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
            String domain = parts[0].toLowerCase(Locale.ROOT);
            if (domain.endsWith(".") && domain.length() > 1) domain = domain.substring(0, domain.length() - 1);
            if (domain.startsWith(".")) {
                if (domain.length() < 2) throw new IllegalArgumentException(where + "'.' is not a domain suffix");
                suffixes.put(domain, level);
            } else {
                exact.put(domain, level);
            }
        }
        return new Loaded(modified, Map.copyOf(exact), Map.copyOf(suffixes));
    }
}

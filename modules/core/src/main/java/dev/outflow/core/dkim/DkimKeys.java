package dev.outflow.core.dkim;

import dev.outflow.core.address.Domains;
import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.dkim.internal.PemKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The signing keys, by signing domain. Two sources, both read once at start:
 * <ul>
 *   <li>{@code dkim.keys_dir}: one file per key, {@code DIR/DOMAIN/SELECTOR.pem} (domain as
 *       written in From, lower case; the A-label for an IDN). Other files are ignored, so the
 *       {@code SELECTOR.dns} record that {@code outflow dkim keygen} writes can stay beside its key;</li>
 *   <li>{@code dkim.keys}: {@code domain:selector:file} entries, the file absolute or relative to
 *       {@code dkim.keys_dir}.</li>
 * </ul>
 * Every key of a domain signs its mail, so a domain with an RSA and an Ed25519 key gets two
 * signatures. An unreadable or malformed key, an RSA key under 2048 bits, or the same
 * domain/selector twice is a {@link ConfigException} that names the file. Immutable.
 */
public final class DkimKeys {
    private static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final DkimKeys NONE = new DkimKeys(Map.of());

    private final Map<String, List<DkimKey>> byDomain;

    private DkimKeys(Map<String, List<DkimKey>> byDomain) {
        this.byDomain = byDomain;
    }

    public static DkimKeys none() {
        return NONE;
    }

    public static DkimKeys of(List<DkimKey> keys) {
        Map<String, List<DkimKey>> m = new LinkedHashMap<>();
        for (DkimKey k : keys) m.computeIfAbsent(k.domain(), d -> new ArrayList<>()).add(k);
        m.replaceAll((d, l) -> List.copyOf(l));
        return new DkimKeys(Map.copyOf(m));
    }

    /** @throws ConfigException naming the key and the file when a key cannot be used */
    public static DkimKeys fromConfig(Config config) {
        Path dir = config.get(OutflowKeys.DKIM_KEYS_DIR);
        List<DkimKey> keys = new ArrayList<>(fromDirectory(dir));
        for (String entry : config.get(OutflowKeys.DKIM_KEYS)) {
            String[] parts = entry.split(":", 3);
            if (parts.length != 3) {
                throw new ConfigException(OutflowKeys.DKIM_KEYS.name(), "'" + entry + "' is not domain:selector:file");
            }
            Path file = dir.resolve(parts[2].trim());
            keys.add(read(OutflowKeys.DKIM_KEYS.name(), parts[0].trim(), parts[1].trim(), file));
        }
        Map<String, DkimKey> seen = new LinkedHashMap<>();
        for (DkimKey k : keys) {
            DkimKey before = seen.putIfAbsent(k.domain() + "/" + k.selector(), k);
            if (before != null) {
                throw new ConfigException(OutflowKeys.DKIM_KEYS.name(), "selector " + k.selector() + " of " + k.domain()
                        + " is defined twice: " + before.source() + " and " + k.source());
            }
        }
        return keys.isEmpty() ? NONE : of(keys);
    }

    /** The keys under {@code DIR/DOMAIN/SELECTOR.pem}; none when the folder does not exist. */
    static List<DkimKey> fromDirectory(Path dir) {
        String key = OutflowKeys.DKIM_KEYS_DIR.name();
        if (!Files.exists(dir)) return List.of();
        if (!Files.isDirectory(dir)) throw new ConfigException(key, dir + " is not a directory");
        List<DkimKey> keys = new ArrayList<>();
        try (Stream<Path> domains = Files.list(dir)) {
            for (Path d : domains.sorted().toList()) {
                if (!Files.isDirectory(d)) {
                    if (d.getFileName().toString().endsWith(".pem")) {
                        throw new ConfigException(key, d + ": keys go in a folder per domain, " + dir + "/DOMAIN/SELECTOR.pem");
                    }
                    continue;
                }
                try (Stream<Path> files = Files.list(d)) {
                    for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                        String name = f.getFileName().toString();
                        if (!name.endsWith(".pem")) continue;
                        keys.add(read(key, d.getFileName().toString(), name.substring(0, name.length() - 4), f));
                    }
                }
            }
        } catch (IOException e) {
            throw new ConfigException(key, "cannot list " + dir + ": " + e.getMessage());
        }
        return keys;
    }

    private static DkimKey read(String configKey, String domain, String selector, Path file) {
        String d;
        try {
            d = Domains.toAscii(domain);
        } catch (InvalidAddressException e) {
            throw new ConfigException(configKey, file + ": '" + domain + "' is not a domain name: " + e.reason());
        }
        if (!SELECTOR.matcher(selector).matches()) {
            throw new ConfigException(configKey, file + ": '" + selector + "' is not a selector (letters, digits, '-', '_' and dots)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(configKey, file + ": cannot read the key: " + e);
        }
        try {
            PemKeys.Parsed p = PemKeys.parse(text);
            return new DkimKey(d, selector, p.algorithm(), p.key(), file);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(configKey, file + ": malformed key: " + e.getMessage());
        }
    }

    /** The keys of a signing domain (lower-case A-label), in file order; empty when none. */
    public List<DkimKey> forDomain(String domain) {
        return byDomain.getOrDefault(domain, List.of());
    }

    public boolean isEmpty() {
        return byDomain.isEmpty();
    }

    /** Every signing domain. */
    public java.util.Set<String> domains() {
        return byDomain.keySet();
    }
}

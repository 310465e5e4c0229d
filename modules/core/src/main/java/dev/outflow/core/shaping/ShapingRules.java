package dev.outflow.core.shaping;

import dev.outflow.core.address.Domains;
import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.config.ValueType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shaping rules in force: built-in defaults for the big providers, overridden rule by rule by
 * the {@code shaping.rules} file. Immutable and thread-safe.
 *
 * <h2>File format</h2>
 * One rule per line, {@code #} starts a comment:
 * <pre>
 * # match            settings (all optional)
 * *.google.com       connections=10 per_connection=100 backoff=10m backoff_after=3
 * example.com        connections=2 rate=100/m rate=2000/h
 * *.yahoodns.net                      # a bare match removes that default
 * </pre>
 * A match is a recipient domain, or {@code *.suffix} for every domain whose MX host ends with the
 * suffix. Settings: {@code connections=N}, {@code per_connection=N}, {@code rate=N/UNIT} (UNIT
 * {@code s}, {@code m}, {@code h}, {@code d} or a duration such as {@code 10s}; repeatable),
 * {@code backoff=DURATION} (default 10m) and {@code backoff_after=N} (default 3 when the rule sets
 * {@code backoff}, else 0 = never). A domain rule wins over an MX suffix rule; among suffixes the
 * longest wins.
 */
public final class ShapingRules {
    static final Duration DEFAULT_BACKOFF = Duration.ofMinutes(10);

    /**
     * Big providers, keyed by MX suffix so every domain they host shares the rule. They publish no
     * numbers; these are the conservative values operators converge on: few parallel connections,
     * connection reuse, and a pause when the provider starts answering 421 / 4.7.x. No default
     * rates: the acceptable rate depends on the sending IP's reputation and warm-up.
     */
    private static final String DEFAULTS = """
            # Google (gmail.com, googlemail.com, Google Workspace: *.l.google.com); 421 4.7.28 means rate limited
            *.google.com              connections=10 per_connection=100 backoff=10m backoff_after=3
            # Microsoft (outlook.com, hotmail.com, live.com, Microsoft 365 tenants); 451 4.7.650 / 421 4.7.500 throttle per IP
            *.protection.outlook.com  connections=8 per_connection=50 backoff=15m backoff_after=3
            # Yahoo and AOL (*.yahoodns.net); 421 4.7.0 [TSS04] asks for a slower pace, and hard
            *.yahoodns.net            connections=5 per_connection=20 backoff=30m backoff_after=3
            """;

    private final Map<String, ShapingRule> byDomain;
    private final List<ShapingRule> bySuffix;
    private final String source;

    private ShapingRules(Map<String, ShapingRule> rules, String source) {
        Map<String, ShapingRule> d = new HashMap<>();
        List<ShapingRule> s = new ArrayList<>();
        for (ShapingRule r : rules.values()) {
            if (r.mxSuffix()) s.add(r);
            else d.put(r.match(), r);
        }
        s.sort(Comparator.comparingInt((ShapingRule r) -> r.match().length()).reversed());
        this.byDomain = Map.copyOf(d);
        this.bySuffix = List.copyOf(s);
        this.source = source;
    }

    /** The built-in rules alone. */
    public static ShapingRules defaults() {
        try {
            return new ShapingRules(parse("built-in defaults", DEFAULTS, new LinkedHashMap<>()), "built-in defaults");
        } catch (ShapingRulesException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The defaults overridden by the rules of a file.
     *
     * @throws ShapingRulesException when the file cannot be read or a line is wrong (file and line named)
     */
    public static ShapingRules load(Path file) throws ShapingRulesException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ShapingRulesException(file + ": cannot read the shaping rules: " + e);
        }
        return of(file.toString(), text);
    }

    /** As {@link #load(Path)}, from text; {@code name} stands for the file in messages. */
    public static ShapingRules of(String name, String text) throws ShapingRulesException {
        Map<String, ShapingRule> rules = parse("built-in defaults", DEFAULTS, new LinkedHashMap<>());
        Map<String, ShapingRule> own = parse(name, text, new LinkedHashMap<>());
        for (Map.Entry<String, ShapingRule> e : own.entrySet()) {
            if (isEmpty(e.getValue())) rules.remove(e.getKey());
            else rules.put(e.getKey(), e.getValue());
        }
        return new ShapingRules(rules, name);
    }

    private static boolean isEmpty(ShapingRule r) {
        return r.maxConnections() == 0 && r.maxPerConnection() == 0 && r.rates().isEmpty() && r.backoffAfter() == 0;
    }

    private static Map<String, ShapingRule> parse(String name, String text, Map<String, ShapingRule> into)
            throws ShapingRulesException {
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.trim();
            if (line.isEmpty()) continue;
            String where = name + ":" + (i + 1) + ": ";
            try {
                ShapingRule r = rule(line.split("\\s+"));
                if (into.put(r.match(), r) != null) throw new IllegalArgumentException("a second rule for " + r.match());
            } catch (IllegalArgumentException e) {
                throw new ShapingRulesException(where + e.getMessage());
            }
        }
        return into;
    }

    private static ShapingRule rule(String[] words) {
        String match = match(words[0]);
        int connections = 0;
        int perConnection = 0;
        int backoffAfter = -1;
        Duration backoff = null;
        List<ShapingRule.Rate> rates = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            String w = words[i];
            int eq = w.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("'" + w + "' is not key=value");
            String key = w.substring(0, eq).toLowerCase(Locale.ROOT);
            String value = w.substring(eq + 1);
            switch (key) {
                case "connections" -> connections = count(key, value);
                case "per_connection" -> perConnection = count(key, value);
                case "backoff_after" -> backoffAfter = count(key, value);
                case "backoff" -> backoff = positive(key, value);
                case "rate" -> rates.add(rate(value));
                default -> throw new IllegalArgumentException("unknown setting '" + key
                        + "' (connections, per_connection, rate, backoff, backoff_after)");
            }
        }
        if (backoffAfter < 0) backoffAfter = backoff == null ? 0 : 3;
        return new ShapingRule(match, connections, perConnection, rates, backoff == null ? DEFAULT_BACKOFF : backoff, backoffAfter);
    }

    private static String match(String m) {
        boolean suffix = m.startsWith("*.");
        String domain = suffix ? m.substring(2) : m;
        if (domain.isEmpty() || domain.contains("*") || domain.contains("=")) {
            throw new IllegalArgumentException("'" + m + "' is not a domain or *.suffix");
        }
        try {
            domain = Domains.toAscii(domain);
        } catch (InvalidAddressException e) {
            throw new IllegalArgumentException("'" + m + "': " + e.reason());
        }
        return suffix ? "*." + domain : domain;
    }

    private static int count(String key, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + "='" + value + "' is not a whole number >= 0");
    }

    private static Duration positive(String key, String value) {
        Duration d = ValueType.parseDuration(value);
        if (d.isZero() || d.isNegative()) throw new IllegalArgumentException(key + " must be more than 0");
        return d;
    }

    private static ShapingRule.Rate rate(String value) {
        int slash = value.indexOf('/');
        if (slash <= 0) throw new IllegalArgumentException("rate='" + value + "' is not N/UNIT (e.g. 100/m, 5/10s)");
        int n = count("rate", value.substring(0, slash));
        if (n < 1) throw new IllegalArgumentException("rate='" + value + "': the count must be at least 1");
        String unit = value.substring(slash + 1);
        Duration per = unit.matches("[a-zA-Z]+") ? positive("rate", "1" + unit) : positive("rate", unit);
        return new ShapingRule.Rate(n, per);
    }

    /**
     * The rule for a domain: its own, else the longest MX suffix matching {@code mxHost} (null when
     * its MX is not known yet), else null.
     */
    public ShapingRule find(String domain, String mxHost) {
        ShapingRule r = byDomain.get(domain);
        if (r != null || mxHost == null) return r;
        String host = mxHost.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        for (ShapingRule s : bySuffix) {
            String suffix = s.match().substring(1); // ".google.com"
            if (host.endsWith(suffix) || host.equals(suffix.substring(1))) return s;
        }
        return null;
    }

    /** True when some rule is keyed by MX suffix (the worker then needs a domain's MX to pick its rule). */
    public boolean hasSuffixRules() {
        return !bySuffix.isEmpty();
    }

    /** Every rule, domain rules first. */
    public List<ShapingRule> all() {
        List<ShapingRule> all = new ArrayList<>(byDomain.values());
        all.addAll(bySuffix);
        return all;
    }

    @Override
    public String toString() {
        return "ShapingRules[" + source + ", " + all().size() + " rules]";
    }
}

package dev.outflow.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Loads configuration in precedence order, later wins: declared defaults, the properties file,
 * environment variables {@code OUTFLOW_<KEY>}, then command-line {@code --set key=value}.
 * A missing file is fine only when it is the default path; a named file must exist.
 *
 * <p>Relative paths in the defaults and in the properties file resolve against the installation
 * ({@link #home()}: {@code OUTFLOW_HOME}, else the {@code outflow.home} system property the
 * launcher sets to the folder above {@code bin/}), so that every command, run from any directory,
 * finds the same {@code data.dir} and embedded broker. Paths typed on the command line
 * ({@code --config}, {@code --set}) and in {@code OUTFLOW_*} variables resolve against the current
 * directory, as any shell user expects.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_FILE = Path.of("config/outflow.properties");

    private final Path home;
    private final Path file;
    private final boolean fileRequired;
    private final Map<String, String> env;
    private final Map<String, String> overrides;

    public ConfigLoader(Path file, boolean fileRequired, Map<String, String> env, Map<String, String> overrides) {
        this(null, file, fileRequired, env, overrides);
    }

    /** @param home installation folder relative paths of defaults and the file resolve against; null = leave relative */
    public ConfigLoader(Path home, Path file, boolean fileRequired, Map<String, String> env, Map<String, String> overrides) {
        this.home = home;
        this.file = file;
        this.fileRequired = fileRequired;
        this.env = env;
        this.overrides = overrides;
    }

    /** The usual loader for a process: given file (or the default), real environment, --set values. */
    public static ConfigLoader forProcess(Path file, Map<String, String> overrides) {
        Path home = home();
        return new ConfigLoader(home, file == null ? home.resolve(DEFAULT_FILE) : file, file != null, System.getenv(), overrides);
    }

    /** The installation folder: {@code OUTFLOW_HOME}, else {@code -Doutflow.home}, else the current directory. */
    public static Path home() {
        String h = System.getenv("OUTFLOW_HOME");
        if (h == null || h.isBlank()) h = System.getProperty("outflow.home");
        return (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
    }

    public Path file() {
        return file;
    }

    /** @throws ConfigException naming the key (or the file) on any problem */
    public Config load() {
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, String> origins = new HashMap<>();
        readFile().forEach((k, v) -> {
            settings.put(k, v);
            origins.put(k, file.toString());
        });
        if (home != null) resolvePaths(settings);
        for (ConfigKey<?> key : OutflowKeys.all().values()) {
            String v = env.get(key.envName());
            if (v != null) {
                settings.put(key.name(), v);
                origins.put(key.name(), "env " + key.envName());
            }
        }
        // Kafka client settings (SASL/TLS secrets among them) may come from the environment so they
        // never need to be on a command line: OUTFLOW_KAFKA_CLIENT_SASL_JAAS_CONFIG -> sasl.jaas.config.
        String envPrefix = "OUTFLOW_" + OutflowKeys.KAFKA_CLIENT_PREFIX.replace('.', '_').toUpperCase(java.util.Locale.ROOT);
        env.forEach((name, v) -> {
            if (name.startsWith(envPrefix) && name.length() > envPrefix.length()) {
                String key = OutflowKeys.KAFKA_CLIENT_PREFIX
                        + name.substring(envPrefix.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
                settings.put(key, v);
                origins.put(key, "env " + name);
            }
        });
        overrides.forEach((k, v) -> {
            settings.put(k, v);
            origins.put(k, "--set");
        });
        return Config.build(settings, origins);
    }

    /** Relative PATH values from defaults and the file become absolute under {@link #home}. */
    private void resolvePaths(Map<String, String> settings) {
        for (ConfigKey<?> key : OutflowKeys.all().values()) {
            if (key.type() != ValueType.PATH) continue;
            String v = settings.containsKey(key.name()) ? settings.get(key.name()) : key.defaultValue();
            if (v == null || v.isBlank()) continue;
            Path p = Path.of(v.trim());
            if (!p.isAbsolute()) settings.put(key.name(), home.resolve(p).normalize().toString());
        }
    }

    /** Reads only the file, for hot reload. */
    public Map<String, String> readFile() {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            if (fileRequired) throw new ConfigException("--config", "file " + file + " does not exist");
            return out;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        p.stringPropertyNames().stream().sorted().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    /** Parses {@code key=value} of a --set option. */
    public static Map.Entry<String, String> parseSet(String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) throw new ConfigException("--set", "'" + kv + "' is not key=value");
        return Map.entry(kv.substring(0, eq).trim(), kv.substring(eq + 1));
    }
}

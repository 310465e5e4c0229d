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
 */
public final class ConfigLoader {
    public static final Path DEFAULT_FILE = Path.of("config/outflow.properties");

    private final Path file;
    private final boolean fileRequired;
    private final Map<String, String> env;
    private final Map<String, String> overrides;

    public ConfigLoader(Path file, boolean fileRequired, Map<String, String> env, Map<String, String> overrides) {
        this.file = file;
        this.fileRequired = fileRequired;
        this.env = env;
        this.overrides = overrides;
    }

    /** The usual loader for a process: given file (or the default), real environment, --set values. */
    public static ConfigLoader forProcess(Path file, Map<String, String> overrides) {
        return new ConfigLoader(file == null ? DEFAULT_FILE : file, file != null, System.getenv(), overrides);
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
        for (ConfigKey<?> key : OutflowKeys.all().values()) {
            String v = env.get(key.envName());
            if (v != null) {
                settings.put(key.name(), v);
                origins.put(key.name(), "env " + key.envName());
            }
        }
        overrides.forEach((k, v) -> {
            settings.put(k, v);
            origins.put(k, "--set");
        });
        return Config.build(settings, origins);
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

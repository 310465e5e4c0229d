package dev.outflow.core.config;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * An immutable, validated configuration snapshot. Every declared key has a value (its default
 * unless set); keys without default read as null. Thread-safe.
 *
 * <pre>{@code
 * Config c = Config.of(Map.of("outbound.concurrency_max", "50"));
 * int max = c.get(OutflowKeys.CONCURRENCY_MAX);   // 50
 * }</pre>
 */
public final class Config {
    private final Map<String, Object> values;
    private final Map<String, String> raw;
    private final Map<String, String> origins;

    private Config(Map<String, Object> values, Map<String, String> raw, Map<String, String> origins) {
        this.values = values;
        this.raw = raw;
        this.origins = origins;
    }

    /** Defaults only. */
    public static Config defaults() {
        return of(Map.of());
    }

    /**
     * Builds a snapshot from raw string values over the defaults.
     *
     * @throws ConfigException on an unknown key or a bad value, naming the key
     */
    public static Config of(Map<String, String> settings) {
        Map<String, String> origins = new HashMap<>();
        settings.keySet().forEach(k -> origins.put(k, "given"));
        return build(settings, origins);
    }

    static Config build(Map<String, String> settings, Map<String, String> origins) {
        Map<String, Object> values = new HashMap<>();
        Map<String, String> raw = new LinkedHashMap<>();
        for (var e : settings.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(OutflowKeys.KAFKA_CLIENT_PREFIX) && OutflowKeys.get(k) == null) {
                throw new ConfigException(k, "unknown key (see 'outflow config' for the list)");
            }
        }
        for (ConfigKey<?> key : OutflowKeys.all().values()) {
            String v = settings.containsKey(key.name()) ? settings.get(key.name()) : key.defaultValue();
            if (v != null && !(v.isBlank() && key.defaultValue() == null)) {
                values.put(key.name(), key.parse(v));
                raw.put(key.name(), v);
            }
        }
        settings.forEach((k, v) -> {
            if (k.startsWith(OutflowKeys.KAFKA_CLIENT_PREFIX)) raw.put(k, v);
        });
        return new Config(values, raw, origins);
    }

    /** The value of a key: its set value, else its default, else null. */
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        return (T) values.get(key.name());
    }

    public boolean isSet(ConfigKey<?> key) {
        return values.containsKey(key.name());
    }

    /** A copy with some keys replaced; used by tests and by hot reload. */
    public Config with(Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(raw);
        merged.putAll(overrides);
        Map<String, String> o = new HashMap<>(origins);
        overrides.keySet().forEach(k -> o.put(k, "given"));
        return build(merged, o);
    }

    public Config with(ConfigKey<?> key, String value) {
        return with(Map.of(key.name(), value));
    }

    /** Raw values as written (only keys that have a value). */
    public Map<String, String> raw() {
        return Collections.unmodifiableMap(raw);
    }

    /** Where a key's value came from: default, the file path, env, --set. */
    public String origin(String key) {
        return origins.getOrDefault(key, "default");
    }

    /** The {@code kafka.client.*} settings with the prefix removed, for every Kafka client. */
    public Properties kafkaClientProperties() {
        Properties p = new Properties();
        raw.forEach((k, v) -> {
            if (k.startsWith(OutflowKeys.KAFKA_CLIENT_PREFIX)) p.setProperty(k.substring(OutflowKeys.KAFKA_CLIENT_PREFIX.length()), v);
        });
        return p;
    }

    /**
     * The id of this process's stages (transactional ids, event {@code workerId}, logs):
     * {@code worker.id} when set, else this machine's host name and the process id. Two running
     * processes must not share it.
     */
    public String processId() {
        String configured = get(OutflowKeys.WORKER_ID);
        if (configured != null && !configured.isBlank()) return configured;
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /** The host name for {@code me}: configured, else this machine's name. */
    public String me() {
        String me = get(OutflowKeys.ME);
        if (me != null && !me.isBlank()) return me;
        try {
            return java.net.InetAddress.getLocalHost().getCanonicalHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}

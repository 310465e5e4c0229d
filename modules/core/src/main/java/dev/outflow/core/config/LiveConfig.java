package dev.outflow.core.config;

import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current configuration of a running process. Hot keys are re-read from the config file when
 * it changes ({@link #refresh()} is called periodically by the process); other keys keep their
 * start-up value, and a bad edit is logged and ignored so a typo never stops delivery.
 */
public final class LiveConfig implements Supplier<Config> {
    private static final Logger log = LoggerFactory.getLogger(LiveConfig.class);

    private final ConfigLoader loader;
    private final List<Consumer<Config>> listeners = new CopyOnWriteArrayList<>();
    private volatile Config current;
    private volatile FileTime seen;

    public LiveConfig(ConfigLoader loader, Config initial) {
        this.loader = loader;
        this.current = initial;
        this.seen = modified();
    }

    /** A fixed configuration that never changes (tests, tools). */
    public static LiveConfig fixed(Config config) {
        return new LiveConfig(null, config);
    }

    @Override
    public Config get() {
        return current;
    }

    public void onChange(Consumer<Config> listener) {
        listeners.add(listener);
    }

    /** Applies a new value of hot keys directly (tests, control records). */
    public void set(Map<String, String> hotValues) {
        for (String k : hotValues.keySet()) {
            ConfigKey<?> key = OutflowKeys.get(k);
            if (key == null || !key.hot()) throw new ConfigException(k, "is not hot-reloadable");
        }
        apply(current.with(hotValues));
    }

    /** Re-reads the file if it changed; returns true when a hot value changed. */
    public boolean refresh() {
        if (loader == null) return false;
        FileTime now = modified();
        if (now == null || now.equals(seen)) return false;
        seen = now;
        try {
            Map<String, String> file = loader.readFile();
            Map<String, String> hot = new HashMap<>();
            for (ConfigKey<?> key : OutflowKeys.hotKeys()) {
                String v = file.containsKey(key.name()) ? file.get(key.name()) : key.defaultValue();
                if (v != null) hot.put(key.name(), v);
            }
            Config next = current.with(hot);
            if (next.raw().equals(current.raw())) return false;
            apply(next);
            return true;
        } catch (ConfigException e) {
            log.error("Ignoring config file change: {}", e.getMessage());
            return false;
        }
    }

    private void apply(Config next) {
        current = next;
        for (Consumer<Config> l : listeners) l.accept(next);
    }

    private FileTime modified() {
        try {
            return loader == null || !Files.exists(loader.file()) ? null : Files.getLastModifiedTime(loader.file());
        } catch (java.io.IOException e) {
            return null;
        }
    }
}

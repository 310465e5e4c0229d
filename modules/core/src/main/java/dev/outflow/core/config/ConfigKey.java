package dev.outflow.core.config;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * One declared configuration key: name, type, default, documentation, and whether a running
 * process picks up a change without restart. Keys are declared once, in {@link OutflowKeys}.
 *
 * @param <T> the Java type of the parsed value
 */
public final class ConfigKey<T> {
    private final String name;
    private final ValueType type;
    private final String defaultValue;
    private final String doc;
    private final boolean hot;
    private final Consumer<T> validator;

    ConfigKey(String name, ValueType type, String defaultValue, String doc, boolean hot, Consumer<T> validator) {
        this.name = Objects.requireNonNull(name);
        this.type = Objects.requireNonNull(type);
        this.defaultValue = defaultValue;
        this.doc = Objects.requireNonNull(doc);
        this.hot = hot;
        this.validator = validator;
    }

    public String name() {
        return name;
    }

    public ValueType type() {
        return type;
    }

    /** The default as written in a properties file; null when the key is unset by default. */
    public String defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    /** True when a running process applies a changed value without restart. */
    public boolean hot() {
        return hot;
    }

    /** The environment variable that sets this key: {@code OUTFLOW_} + name, dots as {@code _}, upper-case. */
    public String envName() {
        return "OUTFLOW_" + name.replace('.', '_').replace('-', '_').toUpperCase(java.util.Locale.ROOT);
    }

    /** Parses and validates a raw value, naming this key in any error. */
    @SuppressWarnings("unchecked")
    public T parse(String raw) {
        try {
            T value = (T) type.parse(raw);
            if (validator != null) validator.accept(value);
            return value;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigException(name, e.getMessage() + " (expected " + type.form() + ")");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}

package dev.outflow.core.config;

/**
 * A configuration value that cannot be used. The message always names the key and says what is
 * wrong, so that {@code outflow} can print it and exit with code 2 before starting anything.
 */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /** The offending key, as written in the properties file. */
    public String key() {
        return key;
    }
}

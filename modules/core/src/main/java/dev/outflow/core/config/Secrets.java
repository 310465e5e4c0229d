package dev.outflow.core.config;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which configuration values are secrets, and how they are shown: {@code outflow config} and every
 * log line print {@link #shown} instead of the value. A secret is any key (declared or
 * {@code kafka.client.*}) whose name mentions a password, secret, key, token or the SASL JAAS
 * config; a URL's user-info ({@code https://user:pass@registry}) is a secret wherever it appears.
 */
public final class Secrets {
    public static final String MASK = "[redacted]";
    private static final List<String> WORDS = List.of("password", "secret", "token", "sasl.jaas.config", "key");
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@\\s]+@");

    private Secrets() {
    }

    /** True when the value of this key must never be printed. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        for (String w : WORDS) {
            if (!k.contains(w)) continue;
            // "key" alone matches "ssl.key.password" (secret) but also "ssl.keystore.type" and the
            // serializer class names; only a key *value* is secret: ssl.key.*, *.key (a key file's
            // contents are given inline), private keys.
            if (w.equals("key") && !(k.endsWith(".key") || k.contains(".key.") || k.contains("private") || k.endsWith("_key"))) continue;
            return true;
        }
        return false;
    }

    /** The value as it may be shown: masked for secrets, URL credentials removed otherwise. */
    public static String shown(String key, String value) {
        if (value == null) return null;
        if (isSecret(key)) return value.isEmpty() ? value : MASK;
        return USER_INFO.matcher(value).replaceAll(MASK + "@");
    }
}

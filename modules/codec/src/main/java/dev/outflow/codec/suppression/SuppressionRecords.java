package dev.outflow.codec.suppression;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The wire format of the suppressions topic ({@code <prefix>suppressions}): compacted, key = the
 * address (UTF-8, normalised by {@link #key(String)}), value = a JSON object
 * <pre>{"address":"a@example.org","reason":"550 5.1.1 user unknown","source":"bounce",
 *  "messageId":"01J...","createdAt":1767000000000,"expiresAt":1769592000000}</pre>
 * ({@code expiresAt} 0 = never), or a tombstone (null value) when an entry is removed. JSON, so
 * that any language can read and write the list without Avro tooling. Stateless, thread-safe.
 */
public final class SuppressionRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SuppressionRecords() {
    }

    /**
     * The key of an address: trimmed, angle brackets removed, lower-cased. Local parts are
     * case-sensitive in theory (RFC 5321 2.4) but not at any mailbox provider one would suppress,
     * and a list that misses {@code Bob@} after suppressing {@code bob@} would be worse.
     *
     * @throws IllegalArgumentException when the address has no {@code @} with text on both sides
     */
    public static String key(String address) {
        String a = address == null ? "" : address.strip();
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1).strip();
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1 || a.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("not an email address: '" + address + "'");
        }
        return a.toLowerCase(Locale.ROOT);
    }

    public static byte[] encode(Suppression s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("address", s.address());
        n.put("reason", s.reason());
        n.put("source", s.source());
        if (s.messageId() != null) n.put("messageId", s.messageId());
        n.put("createdAt", s.createdAt());
        n.put("expiresAt", s.expiresAt());
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes a value; null for a tombstone.
     *
     * @throws IllegalArgumentException when the bytes are not such an object
     */
    public static Suppression decode(byte[] value) {
        if (value == null) return null;
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("suppression record is not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject() || !n.path("address").isTextual()) {
            throw new IllegalArgumentException("suppression record has no \"address\"");
        }
        return new Suppression(key(n.get("address").asText()), n.path("reason").asText(""),
                n.path("source").asText(Suppression.MANUAL), n.hasNonNull("messageId") ? n.get("messageId").asText() : null,
                n.path("createdAt").asLong(0), n.path("expiresAt").asLong(0));
    }
}

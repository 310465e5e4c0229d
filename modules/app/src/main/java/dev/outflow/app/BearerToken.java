package dev.outflow.app;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The {@code http.token} check of the dashboard's endpoints, the same rule as reporting's {@code /api}. */
final class BearerToken {
    private final byte[] token;

    /** @param token the configured token, or null/empty for none */
    BearerToken(String token) {
        this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    boolean required() {
        return token != null;
    }

    boolean admits(HttpExchange ex) {
        if (token == null) return true;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(token, h.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }
}

package dev.outflow.core.dkim;

import java.util.Locale;

/** The signing algorithms Outflow writes: RFC 6376 {@code rsa-sha256} and RFC 8463 {@code ed25519-sha256}. */
public enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa"),
    ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tag;
    private final String keyType;

    DkimAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The {@code a=} value. */
    public String tag() {
        return tag;
    }

    /** The {@code k=} value of the DNS record. */
    public String keyType() {
        return keyType;
    }

    /** {@code rsa}, {@code rsa-sha256}, {@code ed25519} or {@code ed25519-sha256}, any case. */
    public static DkimAlgorithm parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (DkimAlgorithm a : values()) {
            if (a.tag.equals(v) || a.keyType.equals(v)) return a;
        }
        throw new IllegalArgumentException("unknown DKIM algorithm '" + s + "' (rsa-sha256 or ed25519-sha256)");
    }
}

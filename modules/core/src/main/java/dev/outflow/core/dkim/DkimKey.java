package dev.outflow.core.dkim;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Objects;

/**
 * One signing key: the signing domain ({@code d=}), its selector ({@code s=}), the algorithm the
 * key implies and the file it came from (named in errors). Immutable.
 */
public record DkimKey(String domain, String selector, DkimAlgorithm algorithm, PrivateKey privateKey, Path source) {
    public DkimKey {
        Objects.requireNonNull(domain);
        Objects.requireNonNull(selector);
        Objects.requireNonNull(algorithm);
        Objects.requireNonNull(privateKey);
    }

    @Override
    public String toString() {
        return domain + "/" + selector + " (" + algorithm.tag() + ", " + source + ")";
    }
}

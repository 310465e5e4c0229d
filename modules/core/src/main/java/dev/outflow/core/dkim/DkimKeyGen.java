package dev.outflow.core.dkim;

import dev.outflow.core.address.Domains;
import dev.outflow.core.dkim.internal.PemKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates a signing key in {@code KEYS_DIR/DOMAIN/SELECTOR.pem} (PKCS#8 PEM, mode 0600, never
 * overwriting one) and the DNS TXT record that publishes its public half, which it also writes to
 * {@code SELECTOR.dns} beside the key.
 */
public final class DkimKeyGen {
    public static final int RSA_BITS = 2048;
    /** One TXT character-string holds at most 255 octets (RFC 1035 3.3). */
    private static final int TXT_STRING = 250;

    private DkimKeyGen() {}

    /** What was written: the key file and the record to publish. */
    public record Generated(Path keyFile, String recordName, String recordValue) {
        /** The record as a zone-file line, its value split into strings of at most 250 characters. */
        public String zoneLine() {
            return recordName + ". 3600 IN TXT " + quoted(recordValue);
        }
    }

    /**
     * @throws IllegalArgumentException for a bad domain or selector, or when the key file exists
     * @throws IOException              when the files cannot be written
     */
    public static Generated generate(Path keysDir, String domain, String selector, DkimAlgorithm algorithm) throws IOException {
        String d = Domains.toAscii(domain);
        if (!selector.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
            throw new IllegalArgumentException("'" + selector + "' is not a selector (letters, digits, '-', '_' and dots)");
        }
        KeyPair pair = keyPair(algorithm);
        Path folder = keysDir.resolve(d);
        Files.createDirectories(folder);
        Path file = folder.resolve(selector + ".pem");
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(file + " exists; pick another selector (keys are never overwritten)");
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, PemKeys.toPem(pair.getPrivate()), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        String value = "v=DKIM1; k=" + algorithm.keyType() + "; p=" + PemKeys.publicKeyValue(pair.getPublic(), algorithm);
        Generated g = new Generated(file, selector + "._domainkey." + d, value);
        Files.writeString(folder.resolve(selector + ".dns"), g.zoneLine() + "\n", StandardCharsets.US_ASCII);
        return g;
    }

    private static KeyPair keyPair(DkimAlgorithm algorithm) {
        try {
            if (algorithm == DkimAlgorithm.ED25519_SHA256) return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(RSA_BITS);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + algorithm.tag() + " keys", e);
        }
    }

    static String quoted(String value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += TXT_STRING) parts.add('"' + value.substring(i, Math.min(value.length(), i + TXT_STRING)) + '"');
        return String.join(" ", parts);
    }
}

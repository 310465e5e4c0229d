package dev.outflow.submission.smtpd;

import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The SMTP AUTH users ({@code smtpd.users}): one {@code name:hash} per line, where hash is
 * {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>} (PBKDF2WithHmacSHA256, 32-byte
 * key). Blank lines and lines starting with {@code #} are ignored. A line without such a hash
 * (e.g. a plain-text password), or a hash of fewer than {@link #MIN_ITERATIONS} iterations, is
 * refused by {@link #load} with a {@link ConfigException} naming the file, line and user. A missing
 * file means no users.
 *
 * <p>{@link #verify} is thread-safe and deliberately slow (PBKDF2): the listener runs it on its
 * small password-check pool, never on a connection thread. A verified (user, password) pair is
 * remembered as a salted SHA-256 digest for the life of this snapshot; the listener loads a new
 * snapshot when the file changes. {@link #add} and {@link #remove} rewrite (sorted by name) the file
 * atomically (mode 600 where POSIX permissions exist).
 */
public final class UsersFile {
    /** Iterations for new hashes: OWASP's 2023 figure for PBKDF2-HMAC-SHA256 (the first login per user and snapshot pays it once). */
    public static final int DEFAULT_ITERATIONS = 600_000;
    /** Stored hashes with fewer iterations are refused at load: they fall to offline guessing too quickly. */
    public static final int MIN_ITERATIONS = 100_000;
    private static final String SCHEME = "pbkdf2-sha256";
    private static final int KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Hash DUMMY = new Hash(DEFAULT_ITERATIONS, new byte[16], new byte[KEY_BYTES]);

    private final Path file;
    private final Map<String, Hash> users;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

    private record Hash(int iterations, byte[] salt, byte[] key) {
        String encode() {
            Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
            return SCHEME + '$' + iterations + '$' + b64.encodeToString(salt) + '$' + b64.encodeToString(key);
        }
    }

    private UsersFile(Path file, Map<String, Hash> users) {
        this.file = file;
        this.users = users;
    }

    /**
     * Reads the file; a missing file is an empty user list.
     *
     * @throws ConfigException naming the file and line of a malformed or plain-text entry, or when unreadable
     */
    public static UsersFile load(Path file) {
        return read(file, true);
    }

    /**
     * Reads the file for {@link #add} or {@link #remove}: hashes below {@link #MIN_ITERATIONS} are
     * kept as they are (so that they can be replaced one by one), everything else is checked as by {@link #load}.
     */
    public static UsersFile edit(Path file) {
        return read(file, false);
    }

    private static UsersFile read(Path file, boolean strict) {
        Map<String, Hash> users = new ConcurrentHashMap<>();
        if (file == null || !Files.exists(file)) return new UsersFile(file, users);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(OutflowKeys.SMTPD_USERS.name(), "cannot read " + file + ": " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            String where = file + " line " + (i + 1);
            if (colon <= 0) throw new ConfigException(OutflowKeys.SMTPD_USERS.name(), where + ": expected name:" + SCHEME + "$...");
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1);
            if (!value.startsWith(SCHEME + "$")) {
                throw new ConfigException(OutflowKeys.SMTPD_USERS.name(), where + ": user '" + name
                        + "' has no " + SCHEME + " hash (plain-text passwords are refused); set it with 'outflow users add " + name + " --password-stdin'");
            }
            Hash h = decode(value, where);
            if (strict && h.iterations() < MIN_ITERATIONS) {
                throw new ConfigException(OutflowKeys.SMTPD_USERS.name(), where + ": user '" + name + "' has a hash of " + h.iterations()
                        + " PBKDF2 iterations, fewer than the minimum " + MIN_ITERATIONS + "; set a new password with 'outflow users add "
                        + name + " --password-stdin'");
            }
            users.put(name, h);
        }
        return new UsersFile(file, users);
    }

    /** No users (everybody's AUTH fails). */
    public static UsersFile empty() {
        return new UsersFile(null, new ConcurrentHashMap<>());
    }

    public int size() {
        return users.size();
    }

    public boolean contains(String name) {
        return users.containsKey(name);
    }

    /** Adds or replaces a user with {@link #DEFAULT_ITERATIONS} and rewrites the file. */
    public void add(String name, char[] password) {
        add(name, password, DEFAULT_ITERATIONS);
    }

    /**
     * Adds or replaces a user and rewrites the file.
     *
     * @throws IllegalArgumentException when the name is empty or has ':', blanks or control characters, or the password is empty
     * @throws UncheckedIOException     when the file cannot be written
     */
    public synchronized void add(String name, char[] password, int iterations) {
        checkName(name);
        if (password.length == 0) throw new IllegalArgumentException("empty password");
        if (iterations < MIN_ITERATIONS) throw new IllegalArgumentException("at least " + MIN_ITERATIONS + " PBKDF2 iterations, not " + iterations);
        if (file == null) throw new IllegalStateException("no users file");
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        users.put(name, new Hash(iterations, salt, pbkdf2(password, salt, iterations)));
        verified.remove(name);
        write();
    }

    /**
     * Removes a user and rewrites the file; false when there was no such user (nothing written).
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public synchronized boolean remove(String name) {
        if (file == null) throw new IllegalStateException("no users file");
        if (users.remove(name) == null) return false;
        verified.remove(name);
        write();
        return true;
    }

    /** True when the user exists and the password matches. Takes about as long for unknown users. */
    public boolean verify(String name, String password) {
        Hash h = users.get(name);
        char[] pw = password.toCharArray();
        if (h == null || pw.length == 0) {
            pbkdf2(pw, DUMMY.salt(), DUMMY.iterations());
            return false;
        }
        byte[] quick = quickDigest(h.salt(), password);
        byte[] known = verified.get(name);
        if (known != null && MessageDigest.isEqual(known, quick)) return true;
        boolean ok = MessageDigest.isEqual(h.key(), pbkdf2(pw, h.salt(), h.iterations()));
        if (ok) verified.put(name, quick);
        return ok;
    }

    private static Hash decode(String value, String where) {
        String[] f = value.split("\\$", -1);
        try {
            if (f.length != 4) throw new IllegalArgumentException("expected " + SCHEME + "$iterations$salt$hash");
            int iterations = Integer.parseInt(f[1]);
            if (iterations < 1) throw new IllegalArgumentException("iterations must be positive");
            byte[] salt = Base64.getDecoder().decode(f[2]);
            byte[] key = Base64.getDecoder().decode(f[3]);
            if (salt.length < 8 || key.length < 16) throw new IllegalArgumentException("salt or hash too short");
            return new Hash(iterations, salt, key);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(OutflowKeys.SMTPD_USERS.name(), where + ": malformed hash: " + e.getMessage());
        }
    }

    private void write() {
        List<String> lines = new ArrayList<>();
        lines.add("# Outflow SMTP users: name:" + SCHEME + "$iterations$salt$hash. Edit with 'outflow users add'.");
        new TreeMap<>(users).forEach((n, h) -> lines.add(n + ":" + h.encode()));
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".users", ".tmp");
            try {
                restrict(tmp);
                Files.write(tmp, lines, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void restrict(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: rely on the directory's permissions
        }
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("empty user name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ':' || c <= ' ' || c == 127) throw new IllegalArgumentException("user name must not contain ':', blanks or control characters");
        }
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
        try {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            return f.generateSecret(new PBEKeySpec(password, salt, iterations, KEY_BYTES * 8)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }

    private static byte[] quickDigest(byte[] salt, String password) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(salt);
            return md.digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

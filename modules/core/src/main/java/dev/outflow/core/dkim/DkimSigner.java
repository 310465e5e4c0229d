package dev.outflow.core.dkim;

import dev.outflow.core.address.Domains;
import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.address.MailAddress;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.dkim.internal.HeaderBlock;
import dev.outflow.core.dkim.internal.Relaxed;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Adds DKIM signatures (RFC 6376; Ed25519 per RFC 8463) to messages whose author domain (the
 * RFC 5322 From) has keys: one {@code DKIM-Signature} per key of that domain, {@code
 * c=relaxed/relaxed}, a timestamp {@code t=}, and {@code h=} listing the configured header fields
 * present in the message, with {@code From} listed once more than it occurs ("over-signed") so
 * that no From can be added without breaking the signature. Signatures go on top of the message;
 * the rest of the bytes are unchanged, so the signed bytes can be stored and re-sent on every
 * retry without signing again.
 *
 * <p>Thread-safe: every call uses its own digest and signature objects.
 */
public final class DkimSigner {
    private static final Pattern AT_DOMAIN = Pattern.compile("@([^\\s>,;\"()]+)");
    private static final int B64_LINE = 72;

    private final DkimKeys keys;
    private final List<String> headers;
    private final Clock clock;

    /**
     * @param headers header field names to sign (any case); {@code from} is added when missing
     */
    public DkimSigner(DkimKeys keys, List<String> headers, Clock clock) {
        this.keys = keys;
        List<String> h = new ArrayList<>(headers.size() + 1);
        for (String name : headers) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (!n.isEmpty() && !h.contains(n)) h.add(n);
        }
        if (!h.contains("from")) h.add(0, "from");
        this.headers = List.copyOf(h);
        this.clock = clock;
    }

    /**
     * The keys of {@code dkim.keys_dir} and {@code dkim.keys}, the fields of {@code dkim.headers}.
     *
     * @throws dev.outflow.core.config.ConfigException naming the file of a key that cannot be used
     */
    public static DkimSigner fromConfig(Config config, Clock clock) {
        return new DkimSigner(DkimKeys.fromConfig(config), config.get(OutflowKeys.DKIM_HEADERS), clock);
    }

    /** True when there is no key at all: {@link #sign} returns every message as it is. */
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** {@link #sign(byte[], String)} without a fallback domain. */
    public byte[] sign(byte[] message) throws DkimException {
        return sign(message, null);
    }

    /**
     * Signs a CRLF message with every key of its From domain, or, when that domain has none, of
     * {@code fallbackDomain} or its closest parent domain that has one (DSNs use {@code me}).
     * Returns the message itself when no key applies.
     *
     * @throws DkimException when a key applies but the message cannot be signed soundly: several
     *         From fields, a From that cannot be parsed, or a failing signature provider
     */
    public byte[] sign(byte[] message, String fallbackDomain) throws DkimException {
        if (keys.isEmpty()) return message;
        HeaderBlock block = HeaderBlock.parse(message);
        List<HeaderBlock.Field> from = block.named("from");
        String domain = null;
        String unparsable = null;
        for (HeaderBlock.Field f : from) {
            String value = block.value(f);
            String d = authorDomain(value);
            if (d == null) {
                unparsable = value;
                d = looseDomain(value);
            }
            if (domain == null) domain = d;
        }
        List<DkimKey> signWith = domain == null ? List.of() : keys.forDomain(domain);
        if (signWith.isEmpty() && fallbackDomain != null) signWith = closest(fallbackDomain);
        if (signWith.isEmpty()) return message;
        String who = signWith.get(0).domain();
        if (from.size() > 1) {
            throw new DkimException("cannot DKIM-sign for " + who + ": the message has " + from.size()
                    + " From header fields (RFC 5322 allows one; verifiers reject such signatures)");
        }
        if (unparsable != null) {
            throw new DkimException("cannot DKIM-sign for " + who + ": the From field '" + printable(unparsable) + "' is not an address");
        }
        return signWith(block, signWith);
    }

    private byte[] signWith(HeaderBlock block, List<DkimKey> signWith) throws DkimException {
        byte[] m = block.message();
        String bodyHash = Base64.getEncoder().encodeToString(bodyHash(m, block.bodyStart()));
        List<String> names = signedNames(block);
        byte[] signedHeaders = canonicalHeaders(block, names);
        long t = clock.instant().getEpochSecond();
        ByteArrayOutputStream out = new ByteArrayOutputStream(m.length + 600 * signWith.size());
        for (DkimKey key : signWith) {
            String head = "DKIM-Signature: v=1; a=" + key.algorithm().tag() + "; c=relaxed/relaxed; d=" + key.domain()
                    + "; s=" + key.selector() + ";\r\n\tt=" + t + "; h=" + String.join(":", names) + ";\r\n\tbh=" + bodyHash + ";\r\n\tb=";
            byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream data = new ByteArrayOutputStream(signedHeaders.length + headBytes.length);
            data.writeBytes(signedHeaders);
            Relaxed.header(headBytes, 0, headBytes.length, false, data);
            byte[] sig = signature(key, data.toByteArray());
            out.writeBytes(headBytes);
            out.writeBytes(fold(Base64.getEncoder().encodeToString(sig)).getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        out.writeBytes(m);
        return out.toByteArray();
    }

    /** The configured names, each as often as the message has it; From once more. */
    private List<String> signedNames(HeaderBlock block) {
        Map<String, Integer> counts = new HashMap<>();
        for (HeaderBlock.Field f : block.fields()) counts.merge(f.name(), 1, Integer::sum);
        List<String> names = new ArrayList<>();
        for (String h : headers) {
            int n = counts.getOrDefault(h, 0) + (h.equals("from") ? 1 : 0);
            for (int i = 0; i < n; i++) names.add(h);
        }
        return names;
    }

    /** RFC 6376 5.4.2: each listed name takes the next instance from the bottom; a name with none left adds nothing. */
    private static byte[] canonicalHeaders(HeaderBlock block, List<String> names) {
        Map<String, Integer> used = new HashMap<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        for (String name : names) {
            List<HeaderBlock.Field> all = block.named(name);
            int u = used.merge(name, 1, Integer::sum);
            int index = all.size() - u;
            if (index < 0) continue;
            HeaderBlock.Field f = all.get(index);
            Relaxed.header(block.message(), f.start(), f.end(), true, out);
        }
        return out.toByteArray();
    }

    private static byte[] bodyHash(byte[] m, int bodyStart) {
        MessageDigest sha = sha256();
        Relaxed.body(m, bodyStart, sha);
        return sha.digest();
    }

    private static byte[] signature(DkimKey key, byte[] data) throws DkimException {
        try {
            Signature s;
            if (key.algorithm() == DkimAlgorithm.ED25519_SHA256) {
                // RFC 8463 3: Ed25519 (PureEdDSA) over the SHA-256 hash of the data.
                s = Signature.getInstance("Ed25519");
                s.initSign(key.privateKey());
                s.update(sha256().digest(data));
            } else {
                s = Signature.getInstance("SHA256withRSA");
                s.initSign(key.privateKey());
                s.update(data);
            }
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new DkimException("cannot DKIM-sign with " + key + ": " + e.getMessage(), e);
        }
    }

    private List<DkimKey> closest(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        while (true) {
            List<DkimKey> k = keys.forDomain(d);
            if (!k.isEmpty()) return k;
            int dot = d.indexOf('.');
            if (dot < 0 || d.indexOf('.', dot + 1) < 0) return List.of();   // never sign as a top-level domain
            d = d.substring(dot + 1);
        }
    }

    /** The domain of the first address of a From value, lower-case A-label; null when it does not parse. */
    static String authorDomain(String value) {
        try {
            InternetAddress[] a = InternetAddress.parseHeader(value, false);
            if (a.length == 0) return null;
            String addr = a[0].getAddress();
            return addr == null ? null : MailAddress.parse(addr).domain();
        } catch (AddressException | InvalidAddressException e) {
            return null;
        }
    }

    private static String looseDomain(String value) {
        Matcher m = AT_DOMAIN.matcher(value);
        String last = null;
        while (m.find()) last = m.group(1);
        if (last == null) return null;
        try {
            return Domains.toAscii(last);
        } catch (InvalidAddressException e) {
            return null;
        }
    }

    private static String fold(String b64) {
        StringBuilder sb = new StringBuilder(b64.length() + b64.length() / B64_LINE * 3);
        for (int i = 0; i < b64.length(); i += B64_LINE) {
            if (i > 0) sb.append("\r\n\t");
            sb.append(b64, i, Math.min(b64.length(), i + B64_LINE));
        }
        return sb.toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c < 32 || c == 127 ? '?' : c);
        }
        return b.toString();
    }
}

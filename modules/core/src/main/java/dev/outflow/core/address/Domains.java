package dev.outflow.core.address;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Domain names as Outflow keys and routes them: IDNA A-label, lower case, no trailing dot; or an
 * address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}).
 *
 * <p>ASCII names are checked by hand (letters, digits, hyphens; labels of 1-63 octets, not starting
 * or ending with a hyphen; 255 octets in all), which is what nearly every address is, so the common
 * case allocates at most the lower-cased copy. Names with non-ASCII characters go through
 * {@link IDN#toASCII(String, int)} with {@link IDN#USE_STD3_ASCII_RULES} and without
 * {@code ALLOW_UNASSIGNED} (IDNA2003, the only IDNA in the JDK: it maps {@code ß} to {@code ss}
 * where IDNA2008 would keep it).
 *
 * <p>Stateless and thread-safe. Failures throw {@link InvalidAddressException}.
 */
public final class Domains {
    /** RFC 5321 4.5.3.1.2. */
    public static final int MAX_DOMAIN_OCTETS = 255;
    private static final int MAX_LABEL_OCTETS = 63;

    private Domains() {}

    /**
     * The canonical form of a domain: A-label, lower case; literals keep their brackets
     * ({@code [IPv6:...]} with the tag spelled {@code IPv6} and the address in lower case).
     *
     * @throws InvalidAddressException when the name is empty, too long, has bad labels, is a bare
     *                                 IP address, or an unsupported or malformed literal
     */
    public static String toAscii(String domain) {
        if (domain == null || domain.isEmpty()) throw new InvalidAddressException(domain, "domain is empty");
        if (domain.charAt(0) == '[') return literal(domain);
        boolean ascii = true;
        for (int i = 0; i < domain.length(); i++) {
            if (domain.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        String name = ascii ? domain : idnToAscii(domain);
        String lower = checkAsciiName(domain, name);
        if (isDottedQuad(lower)) {
            throw new InvalidAddressException(domain, "an IP address must be written as a domain literal [" + lower + "]");
        }
        return lower;
    }

    /** True for {@code [...]} domains (address literals). */
    public static boolean isLiteral(String domain) {
        return domain != null && !domain.isEmpty() && domain.charAt(0) == '[';
    }

    /**
     * The address of an address literal ({@code [192.0.2.1]}, {@code [IPv6:::1]}), or null when
     * the domain is not a literal. Never touches DNS.
     */
    public static InetAddress literalAddress(String domain) {
        if (!isLiteral(domain) || domain.charAt(domain.length() - 1) != ']') return null;
        String inner = domain.substring(1, domain.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) inner = inner.substring(5);
        return parseIp(inner);
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 address (without brackets or zone id); null when the
     * text is not an IP literal. Never touches DNS (host names answer null).
     */
    public static InetAddress parseIp(String text) {
        if (text == null || text.isEmpty()) return null;
        byte[] v4 = parseDottedQuad(text);
        try {
            if (v4 != null) return InetAddress.getByAddress(v4);
            if (text.indexOf(':') < 0) return null;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                if (!ok) return null;
            }
            // With a ':' and only hex digits, dots and colons, the JDK parses a literal and never queries DNS.
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String idnToAscii(String domain) {
        try {
            return IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES);
        } catch (IllegalArgumentException e) {
            throw new InvalidAddressException(domain, "not a valid internationalized domain name (" + e.getMessage() + ")");
        }
    }

    /** Checks LDH labels and lengths; answers the name in lower case (the same instance if already lower). */
    private static String checkAsciiName(String original, String name) {
        int n = name.length();
        if (n == 0) throw new InvalidAddressException(original, "domain is empty");
        if (n > MAX_DOMAIN_OCTETS) throw new InvalidAddressException(original, "domain is longer than " + MAX_DOMAIN_OCTETS + " octets");
        if (name.charAt(n - 1) == '.') throw new InvalidAddressException(original, "domain ends with a dot");
        boolean upper = false;
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? name.charAt(i) : '.';
            if (c == '.') {
                int len = i - labelStart;
                if (len == 0) throw new InvalidAddressException(original, "empty label in domain");
                if (len > MAX_LABEL_OCTETS) {
                    throw new InvalidAddressException(original, "domain label longer than " + MAX_LABEL_OCTETS + " octets");
                }
                if (name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') {
                    throw new InvalidAddressException(original, "domain label starts or ends with '-'");
                }
                labelStart = i + 1;
            } else if (c >= 'A' && c <= 'Z') {
                upper = true;
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                throw new InvalidAddressException(original, "character " + describe(c) + " is not allowed in a domain");
            }
        }
        return upper ? name.toLowerCase(java.util.Locale.ROOT) : name;
    }

    private static String literal(String domain) {
        int n = domain.length();
        if (domain.charAt(n - 1) != ']') throw new InvalidAddressException(domain, "domain literal lacks the closing ']'");
        if (n > MAX_DOMAIN_OCTETS) throw new InvalidAddressException(domain, "domain is longer than " + MAX_DOMAIN_OCTETS + " octets");
        String inner = domain.substring(1, n - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = inner.substring(5);
            InetAddress a = v6.indexOf(':') >= 0 ? parseIp(v6) : null;
            if (a == null) throw new InvalidAddressException(domain, "'" + v6 + "' is not an IPv6 address");
            return "[IPv6:" + v6.toLowerCase(java.util.Locale.ROOT) + "]";
        }
        if (parseDottedQuad(inner) != null) return domain;
        if (inner.indexOf(':') >= 0) {
            throw new InvalidAddressException(domain, "general address literals are not supported (IPv4 or IPv6: only)");
        }
        throw new InvalidAddressException(domain, "'" + inner + "' is not an IPv4 address");
    }

    private static boolean isDottedQuad(String s) {
        return parseDottedQuad(s) != null;
    }

    /** Strict dotted quad: four decimal parts 0-255, no leading zeros (which some parsers read as octal). */
    static byte[] parseDottedQuad(String s) {
        int n = s.length();
        if (n < 7 || n > 15) return null;
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? s.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part > 3) return null;
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) return null;
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) return null;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    static String describe(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : "'" + c + "'";
    }
}

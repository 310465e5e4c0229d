package dev.outflow.core.address;

import com.ibm.icu.text.IDNA;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Domain names as Outflow keys and routes them: IDNA A-label, lower case, no trailing dot; or an
 * address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}).
 *
 * <p>ASCII names are checked by hand (letters, digits, hyphens; labels of 1-63 octets, not starting
 * or ending with a hyphen; 255 octets in all), which is what nearly every address is, so the common
 * case allocates at most the lower-cased copy. Names with non-ASCII characters, and ASCII names
 * with an A-label ({@code xn--}), go through UTS #46 non-transitional processing (IDNA2008, ICU4J)
 * with the STD3, bidi and context rules: {@code straße.de} becomes {@code xn--strae-oqa.de}. The
 * JDK's {@code java.net.IDN} is IDNA2003 and would map it to {@code strasse.de}, which is another
 * registrant's domain; it must not be used for mail routing anywhere.
 *
 * <p>Stateless and thread-safe. Failures throw {@link InvalidAddressException}.
 */
public final class Domains {
    /** RFC 5321 4.5.3.1.2. */
    public static final int MAX_DOMAIN_OCTETS = 255;
    private static final int MAX_LABEL_OCTETS = 63;
    // immutable and thread-safe (ICU)
    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII | IDNA.NONTRANSITIONAL_TO_UNICODE
            | IDNA.USE_STD3_RULES | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ | IDNA.CHECK_CONTEXTO);

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
        if (ascii && hasALabel(lower)) idnToAscii(lower); // a bad xn-- label is as wrong as a bad U-label
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

    /**
     * UTS #46 ToASCII, non-transitional: the one IDNA conversion of Outflow.
     *
     * @throws InvalidAddressException naming what IDNA2008 finds wrong
     */
    private static String idnToAscii(String domain) {
        IDNA.Info info = new IDNA.Info();
        StringBuilder out = UTS46.nameToASCII(domain, new StringBuilder(domain.length() + 16), info);
        if (info.hasErrors()) {
            throw new InvalidAddressException(domain, "not a valid internationalized domain name (IDNA2008): " + describe(info.getErrors()));
        }
        return out.toString();
    }

    private static boolean hasALabel(String lower) {
        return lower.startsWith("xn--") || lower.contains(".xn--");
    }

    private static String describe(Set<IDNA.Error> errors) {
        StringJoiner j = new StringJoiner("; ");
        for (IDNA.Error e : errors) {
            j.add(switch (e) {
                case EMPTY_LABEL -> "empty label";
                case LABEL_TOO_LONG -> "a label is longer than " + MAX_LABEL_OCTETS + " octets";
                case DOMAIN_NAME_TOO_LONG -> "longer than " + MAX_DOMAIN_OCTETS + " octets";
                case LEADING_HYPHEN -> "a label starts with '-'";
                case TRAILING_HYPHEN -> "a label ends with '-'";
                case HYPHEN_3_4 -> "a label has '--' in its third and fourth positions";
                case LEADING_COMBINING_MARK -> "a label starts with a combining mark";
                case DISALLOWED -> "a character is not allowed in domain names";
                case PUNYCODE -> "an xn-- label is not valid Punycode";
                case LABEL_HAS_DOT -> "a label contains a dot";
                case INVALID_ACE_LABEL -> "an xn-- label does not decode to a valid label";
                case BIDI -> "right-to-left characters break the bidi rule (RFC 5893)";
                case CONTEXTJ -> "a zero-width joiner or non-joiner is out of context (RFC 5892)";
                case CONTEXTO_PUNCTUATION -> "punctuation is out of context (RFC 5892)";
                case CONTEXTO_DIGITS -> "Arabic-Indic digits are mixed (RFC 5892)";
                default -> e.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
            });
        }
        return j.toString();
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

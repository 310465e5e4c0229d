package dev.outflow.core.address;

import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 5321 mailbox ({@code local@domain}), as used in MAIL FROM and RCPT TO.
 *
 * <p>Parsing accepts the address with or without angle brackets (a source route inside brackets,
 * {@code <@relay:user@example.com>}, is accepted and dropped as RFC 5321 4.1.1.3 asks). The local
 * part is a dot-atom or a quoted string and is kept exactly as given (quotes included: local parts
 * are case-sensitive and only the receiving host may interpret them); UTF-8 is allowed in it
 * (RFC 6531), in which case {@link #needsSmtpUtf8()} is true. The domain is converted to its IDNA
 * A-label in lower case (see {@link Domains}), or is an address literal. Limits: local part 64
 * octets, domain 255 octets, the whole path {@code <local@domain>} 256 octets (UTF-8).
 *
 * <p>The null reverse-path ({@code <>}, Haraka's empty {@code mail_from}) is only accepted by
 * {@link #parseReversePath(String)} and is {@link #NULL_SENDER}.
 *
 * <p>Parsing is a single hand-written scan (no regex) because it runs per recipient. Instances are
 * immutable and thread-safe; equality is exact local part plus domain (already lower-case).
 * Failures throw {@link InvalidAddressException} naming the input and the problem.
 *
 * <pre>{@code
 * MailAddress a = MailAddress.parse("<Jörg@Bücher.example>");
 * a.localPart();      // "Jörg"
 * a.domain();         // "xn--bcher-kva.example"
 * a.needsSmtpUtf8();  // true
 * }</pre>
 */
public final class MailAddress {
    public static final int MAX_LOCAL_OCTETS = 64;
    /** {@code <local@domain>} including the brackets. */
    public static final int MAX_PATH_OCTETS = 256;

    /** The null reverse-path {@code <>}: bounces and DSNs are sent from it. */
    public static final MailAddress NULL_SENDER = new MailAddress("", "", false, "");

    private final String localPart;
    private final String domain;
    private final boolean utf8;
    private final String text;

    private MailAddress(String localPart, String domain, boolean utf8, String text) {
        this.localPart = localPart;
        this.domain = domain;
        this.utf8 = utf8;
        this.text = text;
    }

    /** Parses a forward-path (a recipient): {@code user@example.com} or {@code <user@example.com>}. */
    public static MailAddress parse(String address) {
        return parse(address, false);
    }

    /**
     * Parses a reverse-path (a sender): like {@link #parse(String)}, but {@code ""} and {@code <>}
     * answer {@link #NULL_SENDER}.
     */
    public static MailAddress parseReversePath(String address) {
        return parse(address, true);
    }

    /** An address from its parts, checked like {@link #parse(String)}. */
    public static MailAddress of(String localPart, String domain) {
        if (localPart == null || localPart.isEmpty()) throw new InvalidAddressException(localPart, "local part is empty");
        return parse(localPart + "@" + domain, false);
    }

    /**
     * Parses a comma-separated list of recipients ({@code a@x.org, <b@y.org>}); commas inside quoted
     * local parts do not split. Blank items are ignored; a list with no address is an error.
     */
    public static List<MailAddress> parseList(String list) {
        if (list == null) throw new InvalidAddressException(null, "no recipient given");
        List<MailAddress> out = new ArrayList<>();
        boolean quoted = false;
        boolean bracketed = false;
        int start = 0;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (quoted) {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == '<') {
                bracketed = true;
            } else if (c == '>') {
                bracketed = false;
            } else if (c == ',' && !bracketed) {
                addItem(out, list.substring(start, i));
                start = i + 1;
            }
        }
        addItem(out, list.substring(Math.min(start, list.length())));
        if (out.isEmpty()) throw new InvalidAddressException(list, "no recipient given");
        return List.copyOf(out);
    }

    private static void addItem(List<MailAddress> out, String item) {
        if (!item.isBlank()) out.add(parse(item.trim(), false));
    }

    private static MailAddress parse(String input, boolean nullAllowed) {
        if (input == null) throw new InvalidAddressException(null, "address is missing");
        int start = 0;
        int end = input.length();
        while (start < end && isBlank(input.charAt(start))) start++;
        while (end > start && isBlank(input.charAt(end - 1))) end--;
        if (start < end && input.charAt(start) == '<') {
            if (input.charAt(end - 1) != '>' || end - start < 2) throw new InvalidAddressException(input, "missing closing '>'");
            start++;
            end--;
            if (start < end && input.charAt(start) == '@') start = skipSourceRoute(input, start, end);
        } else if (start < end && input.charAt(end - 1) == '>') {
            throw new InvalidAddressException(input, "missing opening '<'");
        }
        if (start == end) {
            if (nullAllowed) return NULL_SENDER;
            throw new InvalidAddressException(input, "the null address <> is not allowed here");
        }
        LocalScan local = LocalScan.scan(input, start, end);
        int at = local.end;
        if (at >= end || input.charAt(at) != '@') {
            throw new InvalidAddressException(input, at >= end ? "no '@' and domain" : "character " + Domains.describe(input.charAt(at)) + " is not allowed in the local part");
        }
        if (local.octets > MAX_LOCAL_OCTETS) throw new InvalidAddressException(input, "local part is longer than " + MAX_LOCAL_OCTETS + " octets");
        String rawDomain = input.substring(at + 1, end);
        String domain;
        try {
            domain = Domains.toAscii(rawDomain);
        } catch (InvalidAddressException e) {
            throw new InvalidAddressException(input, e.reason());
        }
        if (local.octets + 1 + domain.length() + 2 > MAX_PATH_OCTETS) {
            throw new InvalidAddressException(input, "address is longer than " + MAX_PATH_OCTETS + " octets");
        }
        String localPart = input.substring(start, at);
        return new MailAddress(localPart, domain, local.utf8, localPart + "@" + domain);
    }

    /** Skips {@code @a.example,@b.example:} and answers the index after the colon. */
    private static int skipSourceRoute(String input, int start, int end) {
        int colon = input.indexOf(':', start);
        if (colon < 0 || colon >= end) throw new InvalidAddressException(input, "source route without ':'");
        for (String hop : input.substring(start, colon).split(",", -1)) {
            if (hop.length() < 2 || hop.charAt(0) != '@') throw new InvalidAddressException(input, "malformed source route");
            try {
                Domains.toAscii(hop.substring(1));
            } catch (InvalidAddressException e) {
                throw new InvalidAddressException(input, "source route: " + e.reason());
            }
        }
        return colon + 1;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** The local part exactly as given (a quoted local part keeps its quotes). Empty for {@link #NULL_SENDER}. */
    public String localPart() {
        return localPart;
    }

    /** The domain: IDNA A-label in lower case, or an address literal. Empty for {@link #NULL_SENDER}. */
    public String domain() {
        return domain;
    }

    /** True for the null reverse-path {@code <>}. */
    public boolean isNullSender() {
        return text.isEmpty();
    }

    /** True when the local part has non-ASCII characters, so the transaction needs SMTPUTF8 (RFC 6531). */
    public boolean needsSmtpUtf8() {
        return utf8;
    }

    /** {@code local@domain} without brackets; {@code ""} for the null sender. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MailAddress other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}

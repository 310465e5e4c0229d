package dev.outflow.core.address;

/**
 * A mail address or domain that does not follow RFC 5321 (or RFC 6531 for UTF-8 local parts).
 * Unchecked: a bad address is bad input, not an I/O condition. The message names the input and
 * what is wrong with it, e.g. {@code invalid address 'a..b@example.com': consecutive dots in local part}.
 */
public class InvalidAddressException extends IllegalArgumentException {
    private static final int MAX_ECHO = 300;

    private final String input;
    private final String reason;

    public InvalidAddressException(String input, String reason) {
        super("invalid address " + echo(input) + ": " + reason);
        this.input = input;
        this.reason = reason;
    }

    /** The text that failed to parse (may be null). */
    public String input() {
        return input;
    }

    /** What is wrong, without the input, e.g. {@code local part is longer than 64 octets}. */
    public String reason() {
        return reason;
    }

    // Bounded and with control characters escaped, so a hostile input cannot flood or forge log lines.
    private static String echo(String input) {
        if (input == null) return "null";
        StringBuilder b = new StringBuilder(Math.min(input.length(), MAX_ECHO) + 8).append('\'');
        for (int i = 0; i < input.length() && i < MAX_ECHO; i++) {
            char c = input.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (input.length() > MAX_ECHO) b.append("...");
        return b.append('\'').toString();
    }
}

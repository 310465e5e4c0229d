package dev.outflow.core.smtp;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The service extensions a server announced in its EHLO (or LHLO) reply. A HELO session has none.
 * Immutable.
 *
 * @param keywords            every keyword, upper-case
 * @param pipelining          RFC 2920
 * @param size                RFC 1870: -1 not announced, 0 announced without a limit, else the limit in bytes
 * @param eightBitMime        RFC 6152
 * @param smtputf8            RFC 6531
 * @param startTls            RFC 3207
 * @param enhancedStatusCodes RFC 2034
 */
public record Extensions(Set<String> keywords, boolean pipelining, long size, boolean eightBitMime, boolean smtputf8,
                         boolean startTls, boolean enhancedStatusCodes) {
    public static final Extensions NONE = new Extensions(Set.of(), false, -1, false, false, false, false);

    public Extensions {
        keywords = Set.copyOf(keywords);
    }

    /** Parses an EHLO reply: the first line is the server's name, each other line one extension. */
    public static Extensions parse(SmtpReply ehlo) {
        Set<String> keys = new TreeSet<>();
        long size = -1;
        for (int i = 1; i < ehlo.lines().size(); i++) {
            String line = ehlo.lines().get(i).trim();
            if (line.isEmpty()) continue;
            int sp = line.indexOf(' ');
            String key = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
            keys.add(key);
            if (key.equals("SIZE")) size = parseSize(sp < 0 ? "" : line.substring(sp + 1).trim());
        }
        return new Extensions(keys, keys.contains("PIPELINING"), size, keys.contains("8BITMIME"), keys.contains("SMTPUTF8"),
                keys.contains("STARTTLS"), keys.contains("ENHANCEDSTATUSCODES"));
    }

    private static long parseSize(String v) {
        if (v.isEmpty()) return 0;
        try {
            long n = Long.parseLong(v);
            return n < 0 ? 0 : n;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** True when the server announced a SIZE limit that a message of {@code bytes} exceeds. */
    public boolean tooBig(long bytes) {
        return size > 0 && bytes > size;
    }
}

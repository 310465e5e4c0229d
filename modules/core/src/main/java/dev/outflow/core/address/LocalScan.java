package dev.outflow.core.address;

/**
 * Scans an RFC 5321 local part (dot-atom or quoted string, RFC 6531 UTF-8 allowed) from a start
 * index; stops where the local part ends (at the '@' for a well-formed address). Throws
 * {@link InvalidAddressException} for characters that cannot appear in a local part.
 */
final class LocalScan {
    final int end;
    final int octets;
    final boolean utf8;

    private LocalScan(int end, int octets, boolean utf8) {
        this.end = end;
        this.octets = octets;
        this.utf8 = utf8;
    }

    static LocalScan scan(String s, int start, int limit) {
        if (start < limit && s.charAt(start) == '"') return quoted(s, start, limit);
        return dotAtom(s, start, limit);
    }

    private static LocalScan dotAtom(String s, int start, int limit) {
        int octets = 0;
        boolean utf8 = false;
        int i = start;
        char prev = '.';
        for (; i < limit; i++) {
            char c = s.charAt(i);
            if (c == '@') break;
            if (c == '.') {
                if (i == start) throw new InvalidAddressException(s, "local part starts with a dot");
                if (prev == '.') throw new InvalidAddressException(s, "consecutive dots in local part");
                octets++;
            } else if (c < 0x80) {
                if (!isAtext(c)) {
                    if (c == '"') throw new InvalidAddressException(s, "quote inside an unquoted local part");
                    throw new InvalidAddressException(s, "character " + Domains.describe(c) + " is not allowed in an unquoted local part");
                }
                octets++;
            } else {
                int width = utf8Width(s, i, limit);
                octets += width;
                if (width == 4) i++;
                utf8 = true;
            }
            prev = c;
        }
        if (i == start) throw new InvalidAddressException(s, i < limit ? "local part is empty" : "no '@' and domain");
        if (prev == '.') throw new InvalidAddressException(s, "local part ends with a dot");
        return new LocalScan(i, octets, utf8);
    }

    private static LocalScan quoted(String s, int start, int limit) {
        int octets = 1;
        boolean utf8 = false;
        for (int i = start + 1; i < limit; i++) {
            char c = s.charAt(i);
            if (c == '"') {
                if (i == start + 1) throw new InvalidAddressException(s, "quoted local part is empty");
                return new LocalScan(i + 1, octets + 1, utf8);
            }
            if (c == '\\') {
                if (i + 1 >= limit) break;
                char q = s.charAt(++i);
                if (q < 0x20 || q > 0x7e) throw new InvalidAddressException(s, "character " + Domains.describe(q) + " cannot be quoted with '\\'");
                octets += 2;
            } else if (c < 0x80) {
                if (c < 0x20 || c == 0x7f) throw new InvalidAddressException(s, "control character " + Domains.describe(c) + " in local part");
                octets++;
            } else {
                int width = utf8Width(s, i, limit);
                octets += width;
                if (width == 4) i++;
                utf8 = true;
            }
        }
        throw new InvalidAddressException(s, "unterminated quoted local part");
    }

    /** UTF-8 octets of the non-ASCII character at i (4 for a surrogate pair, which spans two chars). */
    private static int utf8Width(String s, int i, int limit) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            if (i + 1 < limit && Character.isLowSurrogate(s.charAt(i + 1))) return 4;
            throw new InvalidAddressException(s, "broken UTF-16 surrogate pair in local part");
        }
        if (Character.isLowSurrogate(c)) throw new InvalidAddressException(s, "broken UTF-16 surrogate pair in local part");
        if (c <= 0x9f) throw new InvalidAddressException(s, "control character " + String.format("U+%04X", (int) c) + " in local part");
        return c < 0x800 ? 2 : 3;
    }

    /** RFC 5322 atext (ASCII part). */
    private static boolean isAtext(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~' -> true;
            default -> false;
        };
    }
}

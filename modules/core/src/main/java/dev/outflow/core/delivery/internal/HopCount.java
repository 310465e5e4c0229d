package dev.outflow.core.delivery.internal;

/**
 * Counts the {@code Received:} fields of a message's header section: each relay adds one, so a
 * message that has passed through many hosts is circling (RFC 5321 6.3). Reads the raw bytes
 * without decoding and stops at the end of the header section. Stateless.
 */
public final class HopCount {
    private static final byte[] NAME = {'r', 'e', 'c', 'e', 'i', 'v', 'e', 'd'};

    private HopCount() {}

    /** The number of header lines named {@code Received} (any case, optional blanks before the colon). */
    public static int of(byte[] message) {
        int n = message.length;
        int count = 0;
        int i = 0;
        while (i < n) {
            // i is at the start of a line
            if (message[i] == '\n' || (message[i] == '\r' && i + 1 < n && message[i + 1] == '\n')) break; // end of headers
            if (isReceived(message, i)) count++;
            while (i < n && message[i] != '\n') i++;
            i++;
        }
        return count;
    }

    private static boolean isReceived(byte[] m, int at) {
        if (at + NAME.length >= m.length) return false;
        for (int k = 0; k < NAME.length; k++) {
            int c = m[at + k];
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            if (c != NAME[k]) return false;
        }
        int j = at + NAME.length;
        while (j < m.length && (m[j] == ' ' || m[j] == '\t')) j++;
        return j < m.length && m[j] == ':';
    }
}

package dev.outflow.core.smtp;

/**
 * A message's raw bytes with what the client must know before MAIL FROM, found in one cheap pass
 * (no decoding): whether it has 8-bit bytes (BODY=8BITMIME), whether its header section has them
 * (internationalised headers, RFC 6532: SMTPUTF8 is requested when the server offers it), and its
 * size as it will travel (RFC 1870 SIZE: bare LFs become CRLF, a final CRLF is added when missing,
 * dot stuffing not counted). Immutable; do not modify the array.
 */
public final class MailContent {
    private final byte[] bytes;
    private final boolean eightBit;
    private final boolean eightBitHeaders;
    private final long wireSize;

    private MailContent(byte[] bytes, boolean eightBit, boolean eightBitHeaders, long wireSize) {
        this.bytes = bytes;
        this.eightBit = eightBit;
        this.eightBitHeaders = eightBitHeaders;
        this.wireSize = wireSize;
    }

    public static MailContent of(byte[] bytes) {
        boolean eightBit = false;
        boolean headers8 = false;
        boolean inHeaders = true;
        boolean lineStart = true;
        long bareLf = 0;
        byte prev = 0;
        for (byte b : bytes) {
            if (b < 0) {
                eightBit = true;
                if (inHeaders) headers8 = true;
            }
            if (b == '\n') {
                if (prev != '\r') bareLf++;
                // an empty line (LF or CRLF right after a line end) ends the header section
                if (lineStart && inHeaders) inHeaders = false;
                lineStart = true;
            } else if (b != '\r') {
                lineStart = false;
            }
            prev = b;
        }
        int n = bytes.length;
        long size = n + bareLf;
        if (n > 0 && bytes[n - 1] != '\n') size += bytes[n - 1] == '\r' ? 1 : 2;
        return new MailContent(bytes, eightBit, headers8, size);
    }

    public byte[] bytes() { return bytes; }
    public boolean eightBit() { return eightBit; }
    public boolean eightBitHeaders() { return eightBitHeaders; }
    /** Octets as transmitted (CRLF line ends, without dot stuffing and the final dot). */
    public long wireSize() { return wireSize; }
}

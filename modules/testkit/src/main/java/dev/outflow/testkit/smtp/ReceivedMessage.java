package dev.outflow.testkit.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A message the fake server accepted: its envelope and the content as the client meant it (dot
 * stuffing removed, line ends exactly as received, without the final dot line).
 *
 * @param connection     the connection number (1, 2, ...) it arrived on
 * @param helo           the EHLO/HELO/LHLO argument
 * @param mailFrom       the reverse path without angle brackets ("" for the null sender)
 * @param mailParameters MAIL FROM parameters as sent, e.g. {@code SIZE=1234}, {@code BODY=8BITMIME}
 * @param recipients     recipients accepted (for LMTP: those that got a 2xx after the dot)
 * @param data           the content bytes; do not modify
 * @param tls            the message arrived over STARTTLS
 */
public record ReceivedMessage(int connection, String helo, String mailFrom, List<String> mailParameters,
                              List<String> recipients, byte[] data, boolean tls) {
    public ReceivedMessage {
        mailParameters = List.copyOf(mailParameters);
        recipients = List.copyOf(recipients);
    }

    /** The content decoded as UTF-8, for assertions. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** The MAIL FROM parameter with this keyword (case-insensitive), e.g. {@code SIZE=1234}, or null. */
    public String mailParameter(String keyword) {
        for (String p : mailParameters) {
            int eq = p.indexOf('=');
            String k = eq < 0 ? p : p.substring(0, eq);
            if (k.equalsIgnoreCase(keyword)) return p;
        }
        return null;
    }
}

package dev.outflow.testkit.smtp;

/**
 * The points of an SMTP/LMTP conversation that a {@link FakeMx} script can act on. {@link #GREETING}
 * is the banner sent on connect, {@link #END_OF_DATA} the final dot of the message content.
 */
public enum Command {
    GREETING, EHLO, HELO, LHLO, STARTTLS, MAIL, RCPT, DATA, END_OF_DATA, RSET, NOOP, QUIT;

    /** The command for a verb such as {@code "MAIL"}, or null when the verb is unknown. */
    static Command ofVerb(String verb) {
        return switch (verb) {
            case "EHLO" -> EHLO;
            case "HELO" -> HELO;
            case "LHLO" -> LHLO;
            case "STARTTLS" -> STARTTLS;
            case "MAIL" -> MAIL;
            case "RCPT" -> RCPT;
            case "DATA" -> DATA;
            case "RSET" -> RSET;
            case "NOOP" -> NOOP;
            case "QUIT" -> QUIT;
            default -> null;
        };
    }
}

package dev.outflow.core.smtp;

/**
 * A host could not take the message at all: no connection, a refusing greeting, a failed
 * EHLO/HELO, a failed TLS handshake, a 421 at MAIL, or a connection lost before any reply of the
 * transaction. Nothing was accepted, so the deliverer may try the next address or MX.
 */
public final class HostFailure extends Exception {
    /** Where the attempt failed. */
    public enum Stage { CONNECT, GREETING, HELLO, TLS, MAIL }

    private final Stage stage;
    private final SmtpReply reply;

    /**
     * @param reply the server's reply when it gave one, else a local reply with code 0
     */
    public HostFailure(Stage stage, String message, SmtpReply reply) {
        super(message, null, false, false);
        this.stage = stage;
        this.reply = reply;
    }

    public Stage stage() {
        return stage;
    }

    /** The server's refusal, or a local reply (code 0, e.g. 4.4.1) for network problems. */
    public SmtpReply reply() {
        return reply;
    }
}

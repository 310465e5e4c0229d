package dev.outflow.core.smtp;

import java.util.List;

/**
 * What one mail transaction on one server produced.
 *
 * @param replies  the reply that decides each recipient, in envelope order: the RCPT failure, the
 *                 MAIL/DATA failure, the final reply after the dot (LMTP: that recipient's), a
 *                 local reply (552 5.3.4 too big, 5.6.7 SMTPUTF8 needed) or a local code-0 reply
 *                 for a network failure or timeout (deferred)
 * @param response the reply to the final dot of the last delivered recipient, or null when none was delivered
 * @param target   where the transaction ran
 * @param tls      the session used STARTTLS
 * @param dsnPassedOn the server offered DSN and got the RFC 3461 options: notices are its job now
 */
public record TransactionResult(List<SmtpReply> replies, SmtpReply response, Target target, boolean tls, boolean dsnPassedOn) {
    public TransactionResult(List<SmtpReply> replies, SmtpReply response, Target target, boolean tls) {
        this(replies, response, target, tls, false);
    }

    public TransactionResult {
        replies = List.copyOf(replies);
    }
}

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
 * @param noRoom   indices of the recipients refused at RCPT with 452, or with 552 which RFC 821
 *                 wrongly listed for "too many recipients" (RFC 5321 4.5.3.1.10): the server had
 *                 no room for them in this transaction, another one may take them
 * @param dsnPassedOn the server offered DSN and got the RFC 3461 options: notices are its job now
 */
public record TransactionResult(List<SmtpReply> replies, SmtpReply response, Target target, boolean tls, List<Integer> noRoom,
                                boolean dsnPassedOn) {
    public TransactionResult(List<SmtpReply> replies, SmtpReply response, Target target, boolean tls, List<Integer> noRoom) {
        this(replies, response, target, tls, noRoom, false);
    }

    public TransactionResult {
        replies = List.copyOf(replies);
        noRoom = List.copyOf(noRoom);
    }
}

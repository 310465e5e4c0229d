package dev.outflow.core.smtp;

import dev.outflow.core.smtp.internal.DotStuffer;
import dev.outflow.core.smtp.internal.OutputBuffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One mail transaction on an open session: MAIL FROM, RCPT TO per recipient, DATA, the content,
 * the final dot; with PIPELINING (RFC 2920) all commands up to DATA go out in one write and the
 * replies are read afterwards, otherwise one command at a time. On a reused connection RSET comes
 * first (in the same batch when pipelining). Decides a reply per recipient:
 * <ul>
 * <li>a refused RCPT decides that recipient; a refused MAIL, DATA or final dot decides all
 *     recipients still open; LMTP gives one reply per accepted recipient after the dot;</li>
 * <li>no recipient accepted: no content is sent (lock-step sends RSET instead of DATA);</li>
 * <li>a network error or timeout defers every open recipient with a local code-0 reply;</li>
 * <li>checks before sending anything: a message over the server's SIZE gets 552 5.3.4, an
 *     address that needs SMTPUTF8 on a server without it gets 553 5.6.7, an address that would
 *     break the command line (CR, LF, angle brackets) gets 553 5.1.3 (sender: 5.1.7, for all).</li>
 * </ul>
 * Used once, by one thread.
 */
final class MailTransaction {
    /** The connection failed before it answered the first command: nothing was accepted. */
    static final class SessionLost extends Exception {
        private final SmtpReply reply;

        /** @param reply a local reply (code 0) saying what happened */
        SessionLost(SmtpReply reply) {
            super(reply.text(), null, false, false);
            this.reply = reply;
        }

        SmtpReply reply() {
            return reply;
        }
    }

    private final SmtpSession session;
    private final OutputBuffer out;
    private final Envelope envelope;
    private final MailContent content;
    private final SmtpReply[] replies;
    private final List<Integer> open = new ArrayList<>();
    private final List<Integer> accepted = new ArrayList<>();
    private final List<Integer> noRoom = new ArrayList<>();
    private SmtpReply response;
    private String phase = "before MAIL FROM";

    MailTransaction(SmtpSession session, Envelope envelope, MailContent content) {
        this.session = session;
        this.out = session.out();
        this.envelope = envelope;
        this.content = content;
        this.replies = new SmtpReply[envelope.recipients().size()];
    }

    /**
     * Runs the transaction.
     *
     * @param reset send RSET first (the connection was used before)
     * @throws SessionLost  when the connection died before answering RSET/MAIL (retry elsewhere)
     * @throws HostFailure  when the server answered MAIL with 421 (closing; try the next host)
     */
    TransactionResult run(boolean reset) throws SessionLost, HostFailure {
        Extensions ext = session.extensions();
        String mail = checkAndBuildMail(ext);
        if (mail != null) {
            session.countTransaction();
            try {
                if (ext.pipelining()) pipelined(mail, reset);
                else lockStep(mail, reset);
            } catch (IOException e) {
                session.markBroken();
                fillOpen(session.lostReply(phase, e));
            }
        }
        return new TransactionResult(List.of(replies), response, session.target(), session.tls(), noRoom, passesDsn(ext));
    }

    /** Local checks; returns the MAIL command, or null when no recipient is left to send to. */
    private String checkAndBuildMail(Extensions ext) {
        List<String> rcpts = envelope.recipients();
        if (ext.tooBig(content.wireSize())) {
            fillAll(SmtpReply.local(552, "5.3.4", "message size " + content.wireSize() + " exceeds the size limit "
                    + ext.size() + " of " + session.target()));
            return null;
        }
        if (!Envelope.isSafe(envelope.mailFrom())) {
            fillAll(SmtpReply.local(553, "5.1.7", "bad sender address syntax"));
            return null;
        }
        boolean senderUtf8 = Envelope.needsSmtpUtf8(envelope.mailFrom());
        boolean anyUtf8 = senderUtf8;
        for (int i = 0; i < rcpts.size(); i++) {
            boolean utf8 = senderUtf8 || Envelope.needsSmtpUtf8(rcpts.get(i));
            anyUtf8 |= utf8;
            if (rcpts.get(i).isEmpty() || !Envelope.isSafe(rcpts.get(i))) {
                replies[i] = SmtpReply.local(553, "5.1.3", "bad recipient address syntax");
            } else if (utf8 && !ext.smtputf8()) {
                replies[i] = SmtpReply.local(553, "5.6.7", "SMTPUTF8 is required, but was not offered by " + session.target());
            } else {
                open.add(i);
            }
        }
        if (open.isEmpty()) return null;
        StringBuilder sb = new StringBuilder(64).append("MAIL FROM:<").append(envelope.mailFrom()).append('>');
        if (ext.size() >= 0) sb.append(" SIZE=").append(content.wireSize());
        if (content.eightBit() && ext.eightBitMime()) sb.append(" BODY=8BITMIME");
        if (ext.smtputf8() && (anyUtf8 || content.eightBitHeaders())) sb.append(" SMTPUTF8");
        if (passesDsn(ext)) sb.append(envelope.dsn().mailParameters());
        return sb.toString();
    }

    /** RFC 3461 5.2: the options travel on only to a server that offers DSN. */
    private boolean passesDsn(Extensions ext) {
        return envelope.dsn() != null && ext.keywords().contains("DSN");
    }

    private String rcpt(int i) {
        String a = envelope.recipients().get(i);
        return "RCPT TO:<" + a + ">" + (passesDsn(session.extensions()) ? envelope.dsn().rcptParameters(a) : "");
    }

    private void pipelined(String mail, boolean reset) throws IOException, SessionLost, HostFailure {
        SessionSettings s = session.settings();
        session.arm(s.commandTimeout());
        try {
            try {
                if (reset) out.line("RSET");
                out.line(mail);
                for (int i : open) out.line(rcpt(i));
                out.line("DATA");
                out.flush();
            } catch (IOException e) {
                throw sendFailed(e);
            }
            if (reset) expectReset();
            SmtpReply mailReply = firstReply(this::read, "after MAIL FROM");
            if (mailReply == null) {
                drainAfterFailedMail();
                return;
            }
            phase = "after RCPT TO";
            for (int i : open) {
                SmtpReply r = read();
                rcptReply(i, r);
                if (r.code() == 421) {
                    closing(r);
                    return;
                }
            }
            phase = "after DATA";
            SmtpReply data = read();
            if (accepted.isEmpty()) {
                if (data.code() == 354) abortData();
                return;
            }
            if (data.code() != 354) {
                decideAccepted(data);
                if (data.code() == 421) session.markBroken();
                return;
            }
        } finally {
            session.disarm();
        }
        sendContent();
    }

    private void lockStep(String mail, boolean reset) throws IOException, SessionLost, HostFailure {
        SessionSettings s = session.settings();
        if (reset) {
            session.arm(s.commandTimeout());
            try {
                out.line("RSET");
                out.flush();
            } catch (IOException e) {
                throw sendFailed(e);
            } finally {
                session.disarm();
            }
            session.arm(s.commandTimeout());
            try {
                expectReset();
            } finally {
                session.disarm();
            }
        }
        SmtpReply mailReply = firstReply(() -> session.command(mail, s.commandTimeout()), "after MAIL FROM");
        if (mailReply == null) return;
        phase = "after RCPT TO";
        for (int i : open) {
            SmtpReply r = session.command(rcpt(i), s.commandTimeout());
            rcptReply(i, r);
            if (r.code() == 421) {
                closing(r);
                return;
            }
        }
        if (accepted.isEmpty()) {
            phase = "after RSET";
            session.command("RSET", s.commandTimeout());
            return;
        }
        phase = "after DATA";
        SmtpReply data = session.command("DATA", s.commandTimeout());
        if (data.code() != 354) {
            decideAccepted(data);
            if (data.code() == 421) session.markBroken();
            return;
        }
        sendContent();
    }

    /** Reads RSET's reply on a reused connection: no reply or 421 means the connection is stale. */
    private void expectReset() throws SessionLost {
        phase = "after RSET";
        SmtpReply r;
        try {
            r = read();
        } catch (IOException e) {
            session.markBroken();
            throw new SessionLost(session.lostReply(phase, e));
        }
        if (r.code() == 421) {
            session.markBroken();
            throw new SessionLost(SmtpReply.local(0, "4.4.2", session.target() + " is closing the connection: " + r));
        }
    }

    /** Writing the first commands failed: nothing reached the server. */
    private SessionLost sendFailed(IOException e) {
        session.markBroken();
        return new SessionLost(session.lostReply("while sending the first command", e));
    }

    private interface ReplySource {
        SmtpReply get() throws IOException;
    }

    /** The MAIL reply: null when refused (all open recipients decided), exceptions for a dead or closing host. */
    private SmtpReply firstReply(ReplySource source, String when) throws SessionLost, HostFailure {
        phase = when;
        SmtpReply r;
        try {
            r = source.get();
        } catch (IOException e) {
            session.markBroken();
            throw new SessionLost(session.lostReply(when, e));
        }
        if (r.code() == 421) {
            session.markBroken();
            throw new HostFailure(HostFailure.Stage.MAIL, session.target() + " is closing the connection: " + r, r);
        }
        if (r.isPositive()) return r;
        fillOpen(r);
        return null;
    }

    /** After a refused pipelined MAIL, the RCPT and DATA replies still arrive: read them to keep the stream in step. */
    private void drainAfterFailedMail() throws IOException {
        for (int ignored : open) read();
        if (read().code() == 354) abortData();
    }

    /** DATA was accepted although no recipient was: send an empty message end and ignore the reply. */
    private void abortData() throws IOException {
        out.line(".");
        out.flush();
        read();
    }

    private void closing(SmtpReply r) {
        session.markBroken();
        fillOpen(r);
    }

    private void sendContent() throws IOException {
        SessionSettings s = session.settings();
        phase = "while sending the message";
        session.arm(s.dataTimeout());
        out.beforeWrite(() -> session.arm(s.dataTimeout()));
        try {
            DotStuffer.write(content.bytes(), out);
            out.flush();
            out.beforeWrite(null);
            phase = "after end of data";
            if (!session.target().lmtp()) {
                SmtpReply r = readFinal();
                decideAccepted(r);
                if (r.isPositive()) response = r;
                if (r.code() == 421) session.markBroken();
                return;
            }
            for (int i : accepted) {
                SmtpReply r = readFinal();
                replies[i] = r;
                if (r.isPositive()) response = r;
            }
        } finally {
            out.beforeWrite(null);
            session.disarm();
        }
    }

    /** Reads the next reply, each with its own command timeout (a tarpit delaying every RCPT is still bounded per reply). */
    private SmtpReply read() throws IOException {
        session.arm(session.settings().commandTimeout());
        return session.reader().read();
    }

    /** Reads a reply to the final dot, within the data timeout. */
    private SmtpReply readFinal() throws IOException {
        session.arm(session.settings().dataTimeout());
        return session.reader().read();
    }

    private void rcptReply(int i, SmtpReply r) {
        if (r.isPositive()) {
            accepted.add(i);
            return;
        }
        replies[i] = r;
        // 452 "too many recipients", and 552 which RFC 821 listed for it (RFC 5321 4.5.3.1.10)
        if (r.code() == 452 || r.code() == 552) noRoom.add(i);
    }

    private void decideAccepted(SmtpReply r) {
        for (int i : accepted) if (replies[i] == null) replies[i] = r;
    }

    private void fillOpen(SmtpReply r) {
        for (int i : open) if (replies[i] == null) replies[i] = r;
    }

    private void fillAll(SmtpReply r) {
        for (int i = 0; i < replies.length; i++) replies[i] = r;
    }
}

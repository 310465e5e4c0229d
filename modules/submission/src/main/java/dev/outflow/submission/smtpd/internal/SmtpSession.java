package dev.outflow.submission.smtpd.internal;

import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.address.MailAddress;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.delivery.DsnRequest;
import dev.outflow.core.intake.IntakeRequest;
import dev.outflow.core.intake.Origin;
import dev.outflow.core.smtp.Watchdog;
import dev.outflow.submission.OutboundQueue;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP submission session on its own (virtual) thread: the command loop, AUTH and relay
 * policy, the envelope, and DATA; complete messages go to the {@link MessageAcceptor} (intake,
 * then the {@link OutboundQueue}), which decides the final reply. Per-session limits (errors, junk
 * commands, AUTH failures, lifetime) are enforced here; per-client ones through {@link ClientLimits}.
 * Not thread-safe: one thread per session.
 */
public final class SmtpSession implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SmtpSession.class);
    private static final int MAX_COMMAND = 4096;
    private static final int MAX_ERRORS = 10;
    private static final int MAX_AUTH_FAILURES = 3;
    /** After an early 552, up to this much more data is read in the hope of finding its end. */
    private static final long DRAIN_BYTES = 4L << 20;
    private static final long DRAIN_MILLIS = 5_000;
    private static final long PREALLOCATE_MAX = 1 << 20;

    private final SmtpdSettings s;
    private final Intake intake;
    private final MessageAcceptor acceptor;
    private final Watchdog watchdog;
    private final SmtpConnection conn;
    private final boolean relayNetwork;
    private final MessageBuffer buffer = new MessageBuffer();
    private final InetAddress client;

    private String helo;
    private boolean esmtp;
    private String user;
    private int errors;
    private int junk;
    private int authFailures;
    // the transaction
    private String mailFrom;
    private final List<String> rcpts = new ArrayList<>();
    private long sizeHint;
    private boolean smtputf8;
    // RFC 3461 options of the transaction
    private String dsnRet;
    private String dsnEnvid;
    private final Map<String, DsnRequest.Recipient> dsnRcpts = new java.util.LinkedHashMap<>();

    public SmtpSession(SmtpdSettings settings, Intake intake, OutboundQueue queue, Watchdog watchdog, Socket socket) throws IOException {
        this.s = settings;
        this.intake = intake;
        this.acceptor = new MessageAcceptor(intake, queue, settings.queueWait());
        this.watchdog = watchdog;
        this.conn = new SmtpConnection(socket, settings.timeout().toNanos(), settings.maxSessionTime().toNanos());
        this.client = socket.getInetAddress();
        this.relayNetwork = settings.relayNetworks().contains(client);
    }

    @Override
    public void run() {
        watchdog.watch(conn);
        try {
            conn.reply("220 " + s.me() + " ESMTP Outflow");
            while (true) {
                String line;
                try {
                    line = conn.readLine(MAX_COMMAND);
                } catch (SmtpConnection.LineTooLongException e) {
                    if (!error("500 5.5.2 Line too long")) break;
                    continue;
                }
                if (line == null) {
                    sayTimeoutIfExpired();
                    break;
                }
                if (!command(line)) break;
            }
        } catch (IOException e) {
            log.debug("SMTP session with {} ended: {}", conn.remoteAddress(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("SMTP session with {} failed", conn.remoteAddress(), e);
            try {
                conn.reply("421 4.3.0 " + s.me() + " Internal error, closing connection");
            } catch (IOException ignored) {
                // closing anyway
            }
        } finally {
            watchdog.unwatch(conn);
            conn.close();
        }
    }

    /** Handles one command line; false ends the session. */
    private boolean command(String line) throws IOException, InterruptedException {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String args = sp < 0 ? "" : line.substring(sp + 1).strip();
        switch (verb) {
            case "EHLO", "HELO" -> {
                return hello(verb.equals("EHLO"), args);
            }
            case "STARTTLS" -> {
                return startTls(args);
            }
            case "AUTH" -> {
                return auth(args);
            }
            case "MAIL" -> {
                return mail(args);
            }
            case "RCPT" -> {
                return rcpt(args);
            }
            case "DATA" -> {
                return data(args);
            }
            case "RSET" -> {
                reset();
                conn.reply("250 2.0.0 Ok");
                return junk();
            }
            case "NOOP" -> {
                conn.reply("250 2.0.0 Ok");
                return junk();
            }
            case "QUIT" -> {
                conn.reply("221 2.0.0 Bye");
                return false;
            }
            case "VRFY" -> {
                conn.reply("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery");
                return junk();
            }
            case "HELP" -> {
                conn.reply("214 2.0.0 See RFC 5321");
                return junk();
            }
            default -> {
                return error("500 5.5.2 Command not recognized");
            }
        }
    }

    private boolean hello(boolean ehlo, String args) throws IOException {
        if (args.isEmpty()) return error("501 5.5.4 Syntax: " + (ehlo ? "EHLO" : "HELO") + " hostname");
        helo = args;
        esmtp = ehlo;
        reset();
        if (!ehlo) {
            conn.reply("250 " + s.me());
            return true;
        }
        conn.reply("250-" + s.me());
        conn.reply("250-PIPELINING");
        conn.reply("250-SIZE " + s.maxMessageBytes());
        conn.reply("250-8BITMIME");
        conn.reply("250-SMTPUTF8");
        conn.reply("250-DSN");
        if (!conn.isTls()) conn.reply("250-STARTTLS");
        if (authAllowed()) conn.reply("250-AUTH PLAIN LOGIN");
        conn.reply("250 ENHANCEDSTATUSCODES");
        return true;
    }

    private boolean startTls(String args) throws IOException {
        if (conn.isTls()) return error("503 5.5.1 TLS already active");
        if (!args.isEmpty()) return error("501 5.5.4 Syntax: STARTTLS");
        conn.reply("220 2.0.0 Ready to start TLS");
        try {
            conn.startTls(s.tls());
        } catch (IOException e) {
            log.debug("TLS handshake with {} failed: {}", conn.remoteAddress(), e.toString());
            return false;
        }
        helo = null;                    // RFC 3207 4.2: forget everything learnt before TLS
        esmtp = false;
        user = null;
        reset();
        return true;
    }

    private boolean auth(String args) throws IOException, InterruptedException {
        if (helo == null || !esmtp) return error("503 5.5.1 Send EHLO first");
        if (user != null) return error("503 5.5.1 Already authenticated");
        if (mailFrom != null) return error("503 5.5.1 AUTH not allowed during a mail transaction");
        if (!authAllowed()) return error("538 5.7.11 Encryption required for requested authentication mechanism");
        if (args.isEmpty()) return error("501 5.5.4 Syntax: AUTH mechanism");
        if (s.limits().authBlocked(client)) return error("450 4.7.1 Error: too many AUTH commands from " + client.getHostAddress());
        SmtpAuth.Outcome o;
        try {
            o = SmtpAuth.exchange(conn, args);
        } catch (SmtpConnection.LineTooLongException e) {
            return error("500 5.5.2 Line too long");
        }
        if (o == null) return false;
        if (o.reply() != null && !o.reply().startsWith("535")) return error(o.reply());
        PasswordChecks.Result checked = PasswordChecks.Result.BAD;
        if (o.reply() == null) {
            conn.flush();
            conn.pauseClock();                                  // the check is bounded by the pool, not by the client
            try {
                checked = s.passwords().check(o.user(), o.password());
            } finally {
                conn.touch();
            }
        }
        switch (checked) {
            case OK -> {
                user = o.user();
                conn.reply("235 2.7.0 Authentication successful");
                return true;
            }
            case BUSY, UNAVAILABLE -> {
                return error("454 4.7.0 Temporary authentication failure, try again later");
            }
            case BAD -> { }
        }
        authFailures++;
        Duration delay = s.limits().authFailed(client, s.authFailureDelay());
        conn.flush();
        conn.pauseClock();
        Thread.sleep(delay.toMillis());        // a virtual thread: other sessions go on
        conn.touch();
        conn.reply("535 5.7.8 Authentication credentials invalid");
        if (authFailures >= MAX_AUTH_FAILURES) {
            conn.reply("421 4.7.0 " + s.me() + " Too many failed authentications, closing connection");
            return false;
        }
        return true;
    }

    private boolean mail(String args) throws IOException {
        if (helo == null) return error("503 5.5.1 Send HELO or EHLO first");
        if (mailFrom != null) return error("503 5.5.1 Nested MAIL command");
        EnvelopeArgs a = EnvelopeArgs.parse(args, "FROM:");
        if (a == null) return error("501 5.5.4 Syntax: MAIL FROM:<address>");
        long size = 0;
        boolean utf8 = false;
        String ret = null;
        String envid = null;
        for (Map.Entry<String, String> p : a.params().entrySet()) {
            switch (p.getKey()) {
                case "RET", "ENVID" -> {
                    try {
                        if (p.getKey().equals("RET")) ret = DsnRequest.parseRet(p.getValue());
                        else envid = DsnRequest.parseEnvid(p.getValue());
                    } catch (IllegalArgumentException e) {
                        return error("501 5.5.4 " + e.getMessage());
                    }
                }
                case "SIZE" -> {
                    size = parseSize(p.getValue());
                    if (size < 0) return error("501 5.5.4 Bad SIZE parameter");
                }
                case "BODY" -> {
                    String v = p.getValue() == null ? "" : p.getValue().toUpperCase(Locale.ROOT);
                    if (!v.equals("7BIT") && !v.equals("8BITMIME")) return error("501 5.5.4 Unsupported BODY type");
                }
                case "SMTPUTF8" -> utf8 = true;
                case "AUTH" -> { }               // RFC 4954 5: accepted, not trusted
                default -> {
                    return error("555 5.5.4 Unsupported parameter " + p.getKey());
                }
            }
        }
        if (size > s.maxMessageBytes()) {
            conn.reply("552 5.3.4 Message size exceeds fixed limit of " + s.maxMessageBytes() + " bytes");
            return true;
        }
        MailAddress from;
        try {
            from = MailAddress.parseReversePath(a.address());
        } catch (InvalidAddressException e) {
            conn.reply("501 5.1.7 Bad sender address: " + e.reason());
            return true;
        }
        if (from.needsSmtpUtf8() && !utf8) {
            conn.reply("553 5.6.7 Non-ASCII address needs SMTPUTF8");
            return true;
        }
        mailFrom = from.toString();
        sizeHint = size;
        smtputf8 = utf8;
        dsnRet = ret;
        dsnEnvid = envid;
        conn.reply("250 2.1.0 Ok");
        return true;
    }

    private boolean rcpt(String args) throws IOException {
        if (mailFrom == null) return error("503 5.5.1 Need MAIL command");
        EnvelopeArgs a = EnvelopeArgs.parse(args, "TO:");
        if (a == null) return error("501 5.5.4 Syntax: RCPT TO:<address>");
        if (user == null && !relayNetwork) return error("530 5.7.0 Authentication required");
        String notify = null;
        String orcpt = null;
        for (Map.Entry<String, String> p : a.params().entrySet()) {
            try {
                switch (p.getKey()) {
                    case "NOTIFY" -> notify = DsnRequest.parseNotify(p.getValue());
                    case "ORCPT" -> orcpt = DsnRequest.parseOrcpt(p.getValue());
                    default -> {
                        return error("555 5.5.4 Unsupported parameter " + p.getKey());
                    }
                }
            } catch (IllegalArgumentException e) {
                return error("501 5.5.4 " + e.getMessage());
            }
        }
        if (rcpts.size() >= s.maxRecipients()) {
            conn.reply("452 4.5.3 Too many recipients");
            return true;
        }
        MailAddress to;
        try {
            to = MailAddress.parse(a.address());
        } catch (InvalidAddressException e) {
            conn.reply("501 5.1.3 Bad recipient address: " + e.reason());
            return true;
        }
        if (to.needsSmtpUtf8() && !smtputf8) {
            conn.reply("553 5.6.7 Non-ASCII address needs SMTPUTF8");
            return true;
        }
        var suppressed = intake.suppressed(null, to.toString());
        if (suppressed != null) {
            conn.reply(suppressed.smtpReply());
            return true;
        }
        rcpts.add(to.toString());
        if (notify != null || orcpt != null) dsnRcpts.put(to.toString(), new DsnRequest.Recipient(notify, orcpt));
        conn.reply("250 2.1.5 Ok");
        return true;
    }

    private boolean data(String args) throws IOException, InterruptedException {
        if (!args.isEmpty()) return error("501 5.5.4 Syntax: DATA");
        if (mailFrom == null) return error("503 5.5.1 Need MAIL command");
        if (rcpts.isEmpty()) {
            conn.reply("554 5.5.1 No valid recipients");
            return true;
        }
        conn.reply("354 End data with <CR><LF>.<CR><LF>");
        String id = intake.newId();
        buffer.reset(Math.min(sizeHint, PREALLOCATE_MAX) + 1024);      // a declared SIZE is a hint, not a reason to allocate 10 MiB
        byte[] received = ReceivedHeader.build(helo, conn.remoteAddress(), conn.tlsSession(), esmtp, user != null, smtputf8, s.me(), id,
                rcpts.size() == 1 ? rcpts.get(0) : null, s.clock().instant().atZone(s.clock().getZone())).getBytes(StandardCharsets.UTF_8);
        buffer.write(received, 0, received.length);
        DataScanner scan = new DataScanner();
        switch (conn.readData(buffer, s.maxMessageBytes(), scan)) {
            case EOF -> {
                buffer.release();
                sayTimeoutIfExpired();
                return false;
            }
            case BARE_LINE_END -> {
                buffer.release();
                // The client's idea of the end of data is unknown: answer and hang up (SMTP smuggling defence).
                conn.reply("554 5.6.0 Bare CR or LF in message data; lines must end with CRLF");
                conn.closeAfterReply(64 << 10, 1000);
                return false;
            }
            case TOO_BIG -> {
                conn.reply("552 5.3.4 Message size exceeds fixed limit of " + s.maxMessageBytes() + " bytes");
                conn.flush();
                reset();
                buffer.release();
                if (conn.discardRestOfData(scan, DRAIN_BYTES, DRAIN_MILLIS)) return true;
                conn.closeAfterReply(0, 0);
                return false;
            }
            case COMPLETE -> {
                return deliver(id);
            }
        }
        return true;
    }

    private boolean deliver(String id) throws IOException, InterruptedException {
        String origin = user != null ? user : conn.remoteAddress().getHostAddress();
        DsnRequest dsn = dsnRet == null && dsnEnvid == null && dsnRcpts.isEmpty() ? null : new DsnRequest(dsnRet, dsnEnvid, dsnRcpts, false);
        IntakeRequest request = new IntakeRequest(id, mailFrom, List.copyOf(rcpts), buffer.take(), Map.of(), Origin.smtp(origin), dsn);
        reset();
        conn.pauseClock();
        try {
            MessageAcceptor.Answer answer = acceptor.accept(request);
            conn.reply(answer.reply());
            return !answer.close();
        } finally {
            conn.touch();
        }
    }

    private void sayTimeoutIfExpired() throws IOException {
        if (!conn.expired()) return;
        if (conn.lifetimeOver()) conn.reply("421 4.4.2 " + s.me() + " Error: session time limit exceeded");
        else conn.reply("421 4.4.2 " + s.me() + " Error: timeout exceeded");
    }

    private boolean authAllowed() {
        return conn.isTls() || !s.authRequiresTls();
    }

    private void reset() {
        mailFrom = null;
        rcpts.clear();
        dsnRet = null;
        dsnEnvid = null;
        dsnRcpts.clear();
        sizeHint = 0;
        smtputf8 = false;
    }

    /** Sends an error reply; false (end the session) after too many errors. */
    private boolean error(String reply) throws IOException {
        conn.reply(reply);
        return countError();
    }

    /** Counts an error; at the limit says 421 (Postfix's words) and answers false: end the session. */
    private boolean countError() throws IOException {
        if (++errors >= MAX_ERRORS) {
            conn.reply("421 4.7.0 " + s.me() + " Error: too many errors");
            return false;
        }
        return true;
    }

    /** A command that moves no mail (Postfix's junk): beyond the limit each one counts as an error. */
    private boolean junk() throws IOException {
        return ++junk <= s.junkLimit() || countError();
    }

    /** Bytes the message buffer holds now (tests: no large buffer outlives its message). */
    int bufferCapacity() {
        return buffer.capacity();
    }

    private static long parseSize(String v) {
        if (v == null || v.isEmpty() || v.length() > 18) return -1;
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }
}

package dev.outflow.core.smtp;

import dev.outflow.core.smtp.internal.OpportunisticTls;
import dev.outflow.core.smtp.internal.OutputBuffer;
import dev.outflow.core.smtp.internal.ReplyReader;
import dev.outflow.core.tls.TlsLevel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP or LMTP connection to one server, from the greeting to QUIT: connect (optionally from a
 * local address), greeting, EHLO (HELO when EHLO is refused with 5xx; LHLO for LMTP), STARTTLS when
 * wanted and offered, then any number of mail transactions ({@link MailTransaction}). Every wait is
 * bounded by a deadline that the shared {@link Watchdog} enforces by closing the socket: the
 * command or data timeout, or the {@link Deadline} of the delivery attempt the session currently
 * works for, whichever comes first. A reply that breaks the protocol or its bounds
 * ({@link ReplyReader}) ends the session like a lost connection, reported as a protocol error.
 *
 * <p>Not thread-safe: one thread uses a session at a time (the pool hands it over).
 */
public final class SmtpSession implements Watchdog.Guarded, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpSession.class);

    private final Target target;
    private final SessionSettings settings;
    private final Socket raw;
    private final Watchdog watchdog;
    private final ReplyReader in;
    private final OutputBuffer out;
    private Extensions extensions = Extensions.NONE;
    private boolean tls;
    private boolean broken;
    private boolean closed;
    private int transactions;
    private long idleSince;
    private volatile long deadline;
    private volatile boolean expired;
    private Deadline attempt = Deadline.NONE;
    /** The armed deadline is the attempt's, not the command's: say so when it expires. */
    private volatile boolean attemptBound;

    private SmtpSession(Target target, SessionSettings settings, Socket raw, Watchdog watchdog) throws IOException {
        this.target = target;
        this.settings = settings;
        this.raw = raw;
        this.watchdog = watchdog;
        this.in = new ReplyReader(raw.getInputStream());
        this.out = new OutputBuffer(raw.getOutputStream(), 16 * 1024);
        watchdog.watch(this);
    }

    /**
     * Connects and gets the session ready for mail: greeting, hello, and STARTTLS when
     * {@code tls} is given and the server offers it (a refused STARTTLS continues in plaintext),
     * unless the target's TLS policy requires TLS: then STARTTLS not offered, refused or failed is
     * a host failure, and under {@code verify} the certificate must be valid for the MX name.
     *
     * @throws HostFailure when the host cannot take mail; stage {@code TLS} means the handshake
     *                     failed and the caller may retry once without TLS when the policy is
     *                     {@code may}
     */
    static SmtpSession open(Target target, SessionSettings settings, Watchdog watchdog, OpportunisticTls tls, Deadline attempt) throws HostFailure {
        Duration connectTimeout = attempt.remainingOr(settings.connectTimeout());
        if (connectTimeout.isZero()) {
            String text = attempt.describe() + " reached before connecting to " + target;
            throw new HostFailure(HostFailure.Stage.CONNECT, text, SmtpReply.local(0, "4.4.7", text));
        }
        boolean attemptBound = connectTimeout.compareTo(settings.connectTimeout()) < 0;
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            if (target.bind() != null) socket.bind(new InetSocketAddress(target.bind(), 0));
            socket.connect(new InetSocketAddress(target.ip(), target.port()), (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())));
        } catch (IOException e) {
            closeQuietly(socket);
            String why = !(e instanceof SocketTimeoutException) ? e.getMessage()
                    : attemptBound ? attempt.describe() + " reached" : "timed out after " + settings.connectTimeout();
            String text = "connect to " + target + " failed: " + why;
            throw new HostFailure(HostFailure.Stage.CONNECT, text, SmtpReply.local(0, "4.4.1", text));
        }
        SmtpSession session;
        try {
            session = new SmtpSession(target, settings, socket, watchdog);
        } catch (IOException e) {
            closeQuietly(socket);
            String text = "connect to " + target + " failed: " + e.getMessage();
            throw new HostFailure(HostFailure.Stage.CONNECT, text, SmtpReply.local(0, "4.4.1", text));
        }
        session.attempt(attempt);
        try {
            session.handshake(tls);
            return session;
        } catch (HostFailure f) {
            session.abort();
            throw f;
        }
    }

    private void handshake(OpportunisticTls tlsContext) throws HostFailure {
        SmtpReply greeting;
        try {
            greeting = await(settings.commandTimeout());
        } catch (IOException e) {
            throw lost(HostFailure.Stage.GREETING, "while waiting for the greeting", e);
        }
        if (greeting.code() / 100 != 2) {
            if (greeting.code() != 421) quit();
            throw new HostFailure(HostFailure.Stage.GREETING, target + " refused service: " + greeting, greeting);
        }
        hello();
        boolean required = target.level().required();
        if (tlsContext == null && !required) return;
        if (!extensions.startTls()) {
            if (required) throw tlsRequired("does not offer STARTTLS");
            return;
        }
        SmtpReply reply;
        try {
            reply = command("STARTTLS", settings.commandTimeout());
        } catch (IOException e) {
            throw lost(HostFailure.Stage.TLS, "after STARTTLS", e);
        }
        if (reply.code() != 220) {
            if (required) throw tlsRequired("refused STARTTLS: " + reply);
            log.debug("{} refused STARTTLS ({}); continuing without TLS", target, reply);
            return;
        }
        arm(settings.commandTimeout());
        try {
            SSLSocket ssl = target.level() == TlsLevel.VERIFY ? settings.trustOrSystem().handshake(raw, target.host())
                    : (tlsContext != null ? tlsContext : OpportunisticTls.shared()).handshake(raw, target.host());
            in.switchTo(ssl.getInputStream());
            out.switchTo(ssl.getOutputStream());
            tls = true;
        } catch (IOException e) {
            String text = "TLS handshake with " + target + (expired ? (attemptBound ? " ran past " + attempt.describe() : " timed out") : " failed: " + e.getMessage())
                    + (target.level().required() ? " (TLS policy " + target.level().label() + ")" : "");
            throw new HostFailure(HostFailure.Stage.TLS, text, SmtpReply.local(0, expired && attemptBound ? "4.4.7" : "4.7.5", text));
        } finally {
            disarm();
        }
        hello();
    }

    /** A host that cannot give the TLS its policy requires: next host, never plaintext. */
    private HostFailure tlsRequired(String why) {
        quit();
        String text = target + " " + why + " but TLS policy " + target.level().label() + " requires TLS";
        return new HostFailure(HostFailure.Stage.TLS, text, SmtpReply.local(0, "4.7.10", text));
    }

    /** EHLO (or LHLO), falling back to HELO when EHLO is refused permanently. */
    private void hello() throws HostFailure {
        String verb = target.lmtp() ? "LHLO " : "EHLO ";
        try {
            SmtpReply r = command(verb + settings.me(), settings.commandTimeout());
            if (r.code() / 100 == 2) {
                extensions = Extensions.parse(r);
                return;
            }
            if (target.lmtp() || !r.isPermanent()) {
                throw new HostFailure(HostFailure.Stage.HELLO, target + " refused " + verb.trim() + ": " + r, r);
            }
            SmtpReply helo = command("HELO " + settings.me(), settings.commandTimeout());
            if (helo.code() / 100 != 2) throw new HostFailure(HostFailure.Stage.HELLO, target + " refused HELO: " + helo, helo);
            extensions = Extensions.NONE;
        } catch (IOException e) {
            throw lost(HostFailure.Stage.HELLO, "after " + verb.trim(), e);
        }
    }

    private HostFailure lost(HostFailure.Stage stage, String when, IOException e) {
        broken = true;
        SmtpReply r = lostReply(when, e);
        return new HostFailure(stage, r.text(), r);
    }

    /**
     * Text for a network failure, timeout or protocol error, e.g. {@code connection lost after
     * DATA with mx[1.2.3.4]:25}, {@code protocol error after EHLO with mx[1.2.3.4]:25: reply has
     * more than 1000 lines}.
     */
    String lostText(String when, IOException e) {
        if (expired) return (attemptBound ? attempt.describe() + " reached " : "timed out ") + when + " with " + target;
        if (e instanceof ProtocolException) return "protocol error " + when + " with " + target + ": " + e.getMessage();
        return "connection lost " + when + " with " + target + (e == null || e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }

    /**
     * A local reply (code 0: deferred) for {@link #lostText}: 4.5.0 for a protocol error, 4.4.7
     * when the attempt's deadline ran out, else 4.4.2 (bad connection).
     */
    SmtpReply lostReply(String when, IOException e) {
        String text = lostText(when, e);
        String enhanced = expired && attemptBound ? "4.4.7" : !expired && e instanceof ProtocolException ? "4.5.0" : "4.4.2";
        return SmtpReply.local(0, enhanced, text);
    }

    // --- I/O used by MailTransaction

    SmtpReply command(String line, Duration timeout) throws IOException {
        arm(timeout);
        try {
            out.line(line);
            out.flush();
            return in.read();
        } finally {
            disarm();
        }
    }

    /** Reads one reply within the timeout. */
    SmtpReply await(Duration timeout) throws IOException {
        arm(timeout);
        try {
            return in.read();
        } finally {
            disarm();
        }
    }

    OutputBuffer out() { return out; }
    ReplyReader reader() { return in; }
    SessionSettings settings() { return settings; }

    void arm(Duration timeout) {
        long d = System.nanoTime() + timeout.toNanos();
        boolean bound = attempt.bounded() && attempt.atNanos() - d < 0;
        if (bound) d = attempt.atNanos();
        attemptBound = bound;
        deadline = d == 0 ? 1 : d;
    }

    /** The attempt this session works for now ({@link Deadline#NONE} while pooled). */
    void attempt(Deadline d) {
        attempt = d;
    }

    void disarm() {
        deadline = 0;
    }

    void markBroken() {
        broken = true;
    }

    void countTransaction() {
        transactions++;
    }

    /**
     * Runs one mail transaction; RSET first when the connection was used before.
     *
     * @throws MailTransaction.SessionLost when the connection was found dead before any reply
     * @throws HostFailure                 when the server is closing (421 to MAIL)
     */
    TransactionResult send(Envelope envelope, MailContent content) throws MailTransaction.SessionLost, HostFailure {
        return new MailTransaction(this, envelope, content).run(transactions > 0);
    }

    // --- state

    public Target target() { return target; }
    public Extensions extensions() { return extensions; }
    /** True when STARTTLS succeeded. */
    public boolean tls() { return tls; }
    /** Mail transactions run on this connection. */
    public int transactions() { return transactions; }
    /** True when the connection can no longer be used (network error, timeout, 421). */
    public boolean isBroken() { return broken || closed || expired; }
    long idleSince() { return idleSince; }
    void idleSince(long millis) { idleSince = millis; }

    @Override
    public long deadline() {
        return deadline;
    }

    /** Called by the watchdog: closes the socket so that the blocked read or write fails. */
    @Override
    public void expire() {
        expired = true;
        deadline = 0;
        closeQuietly(raw);
    }

    /** Ends the session politely: QUIT (without waiting for the reply), then close. */
    @Override
    public void close() {
        if (!broken && !closed && !expired) quit();
        abort();
    }

    private void quit() {
        arm(settings.commandTimeout());
        try {
            out.line("QUIT");
            out.flush();
        } catch (IOException e) {
            // closing anyway
        } finally {
            disarm();
        }
    }

    /** Closes at once, without QUIT. */
    public void abort() {
        if (closed) return;
        closed = true;
        watchdog.unwatch(this);
        closeQuietly(raw);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public String toString() {
        return "SmtpSession[" + target + (tls ? " tls" : "") + " tx=" + transactions + "]";
    }
}

package dev.outflow.core.smtp;

import dev.outflow.core.smtp.internal.OpportunisticTls;
import dev.outflow.core.tls.TlsLevel;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one message to one address over SMTP or LMTP, reusing pooled connections: the egress
 * seam of delivery. Per call it takes a pooled session for the target or opens one (with a
 * single plaintext retry when the STARTTLS handshake fails under the {@code may} policy), runs the mail transaction, and gives
 * the session back. A pooled connection found dead at its first command is replaced by a fresh
 * one once, which cannot duplicate mail since the server accepted nothing on it.
 *
 * <pre>{@code
 * try (SmtpClient client = new SmtpClient(Duration.ofSeconds(10), 100, Clock.systemUTC())) {
 *     TransactionResult r = client.send(target, settings, envelope, MailContent.of(bytes));
 * }
 * }</pre>
 *
 * Thread-safe; blocking (meant for virtual threads). One watchdog thread enforces all timeouts.
 */
public final class SmtpClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpClient.class);

    private final Watchdog watchdog;
    private final ConnectionPool pool;

    public SmtpClient(Duration poolIdle, int poolMaxMessages, Clock clock) {
        this(poolIdle, poolMaxMessages, clock, Duration.ofMillis(50));
    }

    /** @param watchdogTick how often deadlines are checked (timeouts fire up to this late) */
    public SmtpClient(Duration poolIdle, int poolMaxMessages, Clock clock, Duration watchdogTick) {
        this.watchdog = new Watchdog("outflow-smtp-watchdog", watchdogTick);
        this.pool = new ConnectionPool(poolIdle, poolMaxMessages, clock);
        watchdog.everyTick(() -> pool.evictIdle(false));
    }

    /**
     * Delivers one message to one address.
     *
     * @return a reply per recipient (never throws for replies of a server that took part)
     * @throws HostFailure when the address could not take the message at all (next address/MX)
     */
    public TransactionResult send(Target target, SessionSettings settings, Envelope envelope, MailContent content) throws HostFailure {
        return send(target, settings, envelope, content, Deadline.NONE);
    }

    /**
     * Delivers one message to one address, with every wait (connect included) ending by the
     * attempt's deadline at the latest.
     *
     * @return a reply per recipient (never throws for replies of a server that took part)
     * @throws HostFailure when the address could not take the message at all (next address/MX)
     */
    public TransactionResult send(Target target, SessionSettings settings, Envelope envelope, MailContent content,
                                  Deadline attempt) throws HostFailure {
        SmtpSession pooled = pool.acquire(target.key());
        // a plaintext session pooled for a TLS target exists because its handshake failed: reuse it
        // rather than fail the handshake again (or one left from enable_tls=false, gone after pool_idle)
        if (pooled == null && target.level() == TlsLevel.MAY) pooled = pool.acquire(target.withoutTls().key());
        if (pooled != null) {
            pooled.attempt(attempt);
            try {
                return finish(pooled, pooled.send(envelope, content));
            } catch (MailTransaction.SessionLost e) {
                pooled.abort();
                log.debug("Pooled connection to {} was gone ({}); reconnecting", target, e.getMessage());
            } catch (HostFailure | RuntimeException e) {
                pooled.abort();
                throw e;
            }
        }
        SmtpSession fresh = open(target, settings, attempt);
        try {
            return finish(fresh, fresh.send(envelope, content));
        } catch (MailTransaction.SessionLost e) {
            fresh.abort();
            throw new HostFailure(HostFailure.Stage.MAIL, e.getMessage(), e.reply());
        } catch (HostFailure | RuntimeException e) {
            fresh.abort();
            throw e;
        }
    }

    private TransactionResult finish(SmtpSession s, TransactionResult r) {
        s.attempt(Deadline.NONE);
        pool.release(s);
        return r;
    }

    private SmtpSession open(Target target, SessionSettings settings, Deadline attempt) throws HostFailure {
        try {
            return SmtpSession.open(target, settings, watchdog, target.tls() ? OpportunisticTls.shared() : null, attempt);
        } catch (HostFailure f) {
            // a required policy never falls back to plaintext: the host failed, try the next one
            if (f.stage() != HostFailure.Stage.TLS || attempt.passed() || target.level().required()) throw f;
            log.info("{}; retrying once without TLS", f.getMessage());
            return SmtpSession.open(target.withoutTls(), settings, watchdog, null, attempt);
        }
    }

    public ConnectionPool pool() {
        return pool;
    }

    /** Connections open now (pooled and in use). */
    public int openConnections() {
        return watchdog.watchedCount();
    }

    /** Closes pooled connections (QUIT) and stops the watchdog. */
    @Override
    public void close() {
        pool.close();
        watchdog.close();
    }
}

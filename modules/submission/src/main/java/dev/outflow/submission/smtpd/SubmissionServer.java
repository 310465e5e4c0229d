package dev.outflow.submission.smtpd;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.HostPort;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.smtp.Watchdog;
import dev.outflow.submission.OutboundQueue;
import dev.outflow.submission.smtpd.internal.ClientLimits;
import dev.outflow.submission.smtpd.internal.PasswordChecks;
import dev.outflow.submission.smtpd.internal.SmtpSession;
import dev.outflow.submission.smtpd.internal.SmtpdSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP submission listener ({@code outflow smtpd}, part of {@code outflow up}) on
 * {@code smtpd.listen}: ESMTP with PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES,
 * STARTTLS and AUTH PLAIN/LOGIN; relaying for authenticated sessions and {@code smtpd.relay_networks}.
 * Every message goes through the shared {@link Intake} and is answered {@code 250 … queued as <id>}
 * only after the {@link OutboundQueue} acknowledged it. See {@code docs/smtpd.md} for the replies.
 *
 * <p>One virtual thread per connection; idle deadlines are enforced by a watchdog thread, password
 * checks run on a small pool ({@code smtpd.auth_threads}). Each client IP is held to its own share
 * ({@code smtpd.client_connection_limit}, {@code smtpd.client_connection_rate_limit}) before the
 * global {@code smtpd.max_connections}, so a flood from one address does not lock out the others.
 * Thread-safe; {@link #start()} once, {@link #close()} to stop accepting and drop open sessions.
 */
public final class SubmissionServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SubmissionServer.class);
    /** How long a client's first failed AUTH waits before answering 535 (doubled for each of its recent failures, up to 16 times). */
    public static final Duration AUTH_FAILURE_DELAY = Duration.ofSeconds(1);

    private final HostPort listen;
    private final int maxConnections;
    private final SmtpdSettings settings;
    private final Intake intake;
    private final OutboundQueue queue;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private ServerSocket server;
    private Watchdog watchdog;
    private Thread acceptor;
    private volatile boolean closed;

    /**
     * Reads the listener's config: users file, relay networks, TLS identity (generating the
     * self-signed one on first start).
     *
     * @throws dev.outflow.core.config.ConfigException on a bad users file, CIDR, certificate or key
     */
    public SubmissionServer(Config config, Intake intake, OutboundQueue queue) {
        this(config, intake, queue, SmtpdTls.serverContext(config), AUTH_FAILURE_DELAY, Clock.systemDefaultZone());
    }

    /** As above with an explicit TLS identity, AUTH failure delay and clock (tests, embedding). */
    public SubmissionServer(Config config, Intake intake, OutboundQueue queue, SSLContext tls, Duration authFailureDelay, Clock clock) {
        this.listen = config.get(OutflowKeys.SMTPD_LISTEN);
        this.maxConnections = config.get(OutflowKeys.SMTPD_MAX_CONNECTIONS);
        this.intake = intake;
        this.queue = queue;
        RelayNetworks relay = RelayNetworks.parse(config.get(OutflowKeys.SMTPD_RELAY_NETWORKS));
        ClientLimits limits = new ClientLimits(config.get(OutflowKeys.SMTPD_CLIENT_CONNECTION_LIMIT), config.get(OutflowKeys.SMTPD_CLIENT_CONNECTION_RATE_LIMIT),
                config.get(OutflowKeys.SMTPD_CLIENT_AUTH_FAILURE_LIMIT), config.get(OutflowKeys.SMTPD_CLIENT_AUTH_FAILURE_WINDOW), relay, clock);
        PasswordChecks passwords = PasswordChecks.forFile(config.get(OutflowKeys.SMTPD_USERS), config.get(OutflowKeys.SMTPD_AUTH_THREADS));
        this.settings = new SmtpdSettings(intake.me(), intake.maxMessageBytes(), config.get(OutflowKeys.SMTPD_MAX_RECIPIENTS),
                config.get(OutflowKeys.SMTPD_TIMEOUT), config.get(OutflowKeys.SMTPD_QUEUE_TIMEOUT), config.get(OutflowKeys.SMTPD_AUTH_REQUIRES_TLS),
                relay, passwords, limits, config.get(OutflowKeys.SMTPD_JUNK_COMMAND_LIMIT), config.get(OutflowKeys.SMTPD_MAX_SESSION_TIME),
                tls, authFailureDelay, clock);
    }

    /**
     * Binds {@code smtpd.listen} (port 0 picks a free port) and starts accepting.
     *
     * @throws IOException when the address cannot be bound
     */
    public synchronized SubmissionServer start() throws IOException {
        if (server != null) throw new IllegalStateException("already started");
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(listen.host()), listen.port()), 512);
        server = ss;
        // A few checks per timeout period: deadlines are kept within a quarter of the timeout.
        watchdog = new Watchdog("smtpd-watchdog", Duration.ofMillis(Math.max(20, Math.min(1000, settings.timeout().toMillis() / 4))));
        acceptor = Thread.ofPlatform().daemon().name("smtpd-accept").start(this::acceptLoop);
        log.info("SMTP submission listening on {} (users: {}, relay networks: {})", address(), settings.passwords().userCount(),
                settings.relayNetworks().isEmpty() ? "none" : "set");
        return this;
    }

    /** The bound address (the real port when {@code smtpd.listen} asked for 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) log.error("SMTP accept failed", e);
                if (server.isClosed()) return;
                continue;
            }
            InetAddress client = socket.getInetAddress();
            // The client's own limits first: a flooding address is refused before it takes global slots.
            String limited = settings.limits().admit(client);
            if (limited != null) {
                Thread.ofVirtual().name("smtpd-busy").start(() -> refuse(socket,
                        "421 4.7.0 " + settings.me() + " Error: " + limited + " from " + client.getHostAddress()));
                continue;
            }
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                settings.limits().release(client);
                Thread.ofVirtual().name("smtpd-busy").start(() -> refuse(socket, "421 4.3.2 " + settings.me() + " All server ports are busy"));
                continue;
            }
            sockets.add(socket);
            Thread.ofVirtual().name("smtpd-session").start(() -> serve(socket));
        }
    }

    private void serve(Socket socket) {
        try {
            new SmtpSession(settings, intake, queue, watchdog, socket).run();
        } catch (IOException e) {
            log.debug("SMTP session setup failed: {}", e.toString());
        } finally {
            sockets.remove(socket);
            open.decrementAndGet();
            settings.limits().release(socket.getInetAddress());
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed
            }
        }
    }

    private void refuse(Socket socket, String reply) {
        try (socket; OutputStream out = socket.getOutputStream()) {
            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException ignored) {
            // the client left already
        }
    }

    /** Stops accepting and closes every open connection (their messages in DATA are not queued). */
    @Override
    public synchronized void close() {
        closed = true;
        try {
            if (server != null) server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (watchdog != null) watchdog.close();
        settings.passwords().close();
        if (acceptor != null) {
            try {
                acceptor.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

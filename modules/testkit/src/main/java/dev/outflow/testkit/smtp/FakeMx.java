package dev.outflow.testkit.smtp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process, scripted SMTP or LMTP server on a loopback address: the remote MX of tests and a
 * fast sink for benchmarks. Each connection runs on a virtual thread with buffered I/O; pipelined
 * commands are read as they come and answered in order, in one write. By default every command is
 * accepted; the builder scripts other replies, delays, stalls and disconnects per command (and per
 * recipient), the extensions advertised, STARTTLS with a self-signed certificate, and LMTP mode.
 *
 * <pre>{@code
 * try (FakeMx mx = FakeMx.builder().bind("127.0.0.2")
 *         .rcpt("nobody@example.com", 550, "5.1.1 no such user")
 *         .reply(Command.DATA, 451, "4.3.0 try later").start()) {
 *     ... deliver to mx.address():mx.port() ...
 *     assertThat(mx.transcripts().get(0).commands()).contains("RSET");
 * }
 * }</pre>
 *
 * Thread-safe: accessors may be called while connections are served. With {@code record(false)}
 * (benchmarks) no transcript or message is kept, only the counters.
 */
public final class FakeMx implements AutoCloseable {
    private final Script script;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<MxConnection> open = ConcurrentHashMap.newKeySet();
    private final List<Transcript> transcripts = Collections.synchronizedList(new ArrayList<>());
    private final List<ReceivedMessage> messages = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong flooded = new AtomicLong();
    private volatile boolean closed;

    private FakeMx(Builder b) throws IOException {
        this.script = new Script(b);
        // make the certificate now, not during a client's handshake (BouncyCastle's first use is slow)
        if (script.starttls && !script.brokenTls && script.tlsContext == null) SelfSignedCertificate.serverContext();
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(b.bind, b.port), 1024);
        this.acceptor = Thread.ofVirtual().name("fakemx-accept-" + server.getLocalPort()).start(this::acceptLoop);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A server with the defaults (SMTP, everything accepted) on 127.0.0.1 and an ephemeral port. */
    public static FakeMx start() {
        return builder().start();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            try {
                s.setTcpNoDelay(true);
            } catch (IOException ignored) {
                // the socket works without it
            }
            int id = connections.incrementAndGet();
            MxConnection c = new MxConnection(this, script, id, s);
            open.add(c);
            if (c.transcript() != null) transcripts.add(c.transcript());
            if (closed) c.close();
            Thread.ofVirtual().name("fakemx-" + server.getLocalPort() + "-" + id).start(c);
        }
    }

    void accepted(ReceivedMessage m) {
        if (m != null) messages.add(m);
        accepted.incrementAndGet();
    }

    void flooded(int bytes) {
        flooded.addAndGet(bytes);
    }

    void ended(MxConnection c) {
        open.remove(c);
    }

    long messageCount() {
        return accepted.get();
    }

    public InetAddress address() {
        return server.getInetAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code ip:port}, the form a get_mx hook answers (IPv6 in brackets). */
    public String hostPort() {
        String ip = address().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Connections currently open. */
    public int openConnections() {
        return open.size();
    }

    /** Messages accepted so far (an LMTP message counts once if any recipient got a 2xx). */
    public long messages() {
        return accepted.get();
    }

    /** Bytes of endless replies ({@link Action#flood}) the clients took (written into the socket) so far. */
    public long floodedBytes() {
        return flooded.get();
    }

    /** How many times the server received a command ({@code GREETING}: connections greeted). */
    public int count(Command c) {
        return script.count(c);
    }

    /** Transcripts of all connections so far, in accept order (empty with {@code record(false)}). */
    public List<Transcript> transcripts() {
        synchronized (transcripts) {
            return List.copyOf(transcripts);
        }
    }

    /** The transcript of connection n (1-based). */
    public Transcript transcript(int connection) {
        return transcripts().get(connection - 1);
    }

    /** Messages accepted so far, in order (empty with {@code record(false)}). */
    public List<ReceivedMessage> received() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** Drops every open connection without a word, as a server's idle timeout would; keeps listening. */
    public void disconnectAll() {
        for (MxConnection c : open) c.close();
    }

    /** Stops listening and closes every connection. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        disconnectAll();
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FakeMx[" + (script.lmtp ? "LMTP " : "SMTP ") + hostPort() + "]";
    }

    /** Configures a {@link FakeMx}. Not thread-safe; {@link #start()} freezes a copy. */
    public static final class Builder {
        InetAddress bind;
        int port;
        String hostname = "fake.mx";
        boolean lmtp;
        boolean pipelining = true;
        long size = -1;
        boolean eightBitMime = true;
        boolean smtputf8 = true;
        boolean enhancedStatusCodes = true;
        boolean starttls;
        boolean brokenTls;
        javax.net.ssl.SSLContext tlsContext;
        boolean record = true;
        final List<String> extraExtensions = new ArrayList<>();
        final Map<Command, List<Action>> actions = new EnumMap<>(Command.class);
        final Map<String, List<Action>> rcpt = new HashMap<>();
        final Map<String, Action> lmtpReplies = new HashMap<>();

        private Builder() {
            bind = InetAddress.getLoopbackAddress();
        }

        /** Local address to listen on, e.g. {@code 127.0.0.2} (default 127.0.0.1). */
        public Builder bind(String address) {
            try {
                this.bind = InetAddress.getByName(address);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(address, e);
            }
            return this;
        }

        /** Port to listen on; 0 (default) takes an ephemeral port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Name in the greeting and EHLO reply (default {@code fake.mx}). */
        public Builder hostname(String name) {
            this.hostname = name;
            return this;
        }

        /** Speak LMTP (RFC 2033): LHLO, and one reply per accepted recipient after the dot. */
        public Builder lmtp() {
            this.lmtp = true;
            return this;
        }

        public Builder pipelining(boolean on) {
            this.pipelining = on;
            return this;
        }

        /** Advertise {@code SIZE limit} and enforce it; 0 advertises SIZE without a limit. */
        public Builder size(long limit) {
            this.size = limit;
            return this;
        }

        public Builder eightBitMime(boolean on) {
            this.eightBitMime = on;
            return this;
        }

        public Builder smtputf8(boolean on) {
            this.smtputf8 = on;
            return this;
        }

        public Builder enhancedStatusCodes(boolean on) {
            this.enhancedStatusCodes = on;
            return this;
        }

        /** Offer STARTTLS with a self-signed certificate. */
        public Builder starttls() {
            this.starttls = true;
            return this;
        }

        /** Offer STARTTLS with the certificate of this server context (e.g. from {@link TestCa#serverContext}). */
        public Builder starttls(javax.net.ssl.SSLContext serverContext) {
            this.starttls = true;
            this.tlsContext = serverContext;
            return this;
        }

        /** Offer STARTTLS, answer 220 to it, then send plain text instead of a TLS handshake and hang up. */
        public Builder brokenTls() {
            this.brokenTls = true;
            return this;
        }

        /** Only these extensions besides the ones set explicitly (PIPELINING, 8BITMIME, ... all off). */
        public Builder noExtensions() {
            pipelining = eightBitMime = smtputf8 = enhancedStatusCodes = false;
            size = -1;
            return this;
        }

        /** An extra EHLO keyword line, e.g. {@code "CHUNKING"}. */
        public Builder extension(String line) {
            extraExtensions.add(line);
            return this;
        }

        /** Keep transcripts and received messages (default true; false for benchmarks). */
        public Builder record(boolean on) {
            this.record = on;
            return this;
        }

        /** Actions for successive occurrences of a command across all connections; the last repeats. */
        public Builder on(Command c, Action... sequence) {
            if (sequence.length == 0) throw new IllegalArgumentException("no action");
            actions.put(c, List.of(sequence));
            return this;
        }

        public Builder greeting(int code, String text) {
            return on(Command.GREETING, Action.reply(code, text));
        }

        /** Always answer a command with this reply (an {@code END_OF_DATA} reply ends the message). */
        public Builder reply(Command c, int code, String text) {
            return on(c, Action.reply(code, text));
        }

        /** Answer a command with its default reply after a delay. */
        public Builder delay(Command c, Duration d) {
            return on(c, Action.delayed(d));
        }

        /** Answer a command with an endless multi-line reply ({@code 250-xxx...} forever). */
        public Builder flood(Command c) {
            return on(c, Action.flood(250));
        }

        /** Never answer a command. */
        public Builder stall(Command c) {
            return on(c, Action.stall());
        }

        /** Hang up when a command arrives ({@code END_OF_DATA}: after the whole message was received). */
        public Builder disconnectOn(Command c) {
            return on(c, Action.disconnect());
        }

        /** The reply to {@code RCPT TO:<address>} (case-insensitive). */
        public Builder rcpt(String address, int code, String text) {
            return rcpt(address, Action.reply(code, text));
        }

        /** Actions for successive RCPTs of one address. */
        public Builder rcpt(String address, Action... sequence) {
            rcpt.put(address.toLowerCase(Locale.ROOT), List.of(sequence));
            return this;
        }

        /** LMTP: the reply for this recipient after the final dot. */
        public Builder lmtpReply(String address, int code, String text) {
            lmtpReplies.put(address.toLowerCase(Locale.ROOT), Action.reply(code, text));
            return this;
        }

        /**
         * Starts listening.
         *
         * @throws UncheckedIOException when the address cannot be bound
         */
        public FakeMx start() {
            try {
                return new FakeMx(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + bind + ":" + port, e);
            }
        }
    }
}

package dev.outflow.testkit.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server on 127.0.0.1 listening on one port for UDP and TCP (ephemeral unless given), with
 * its reply decided by a subclass. Threads are virtual and die when the server is closed.
 */
abstract class LoopbackDnsServer implements AutoCloseable {
    private static final int BIND_ATTEMPTS = 20;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger queries = new AtomicInteger();
    private volatile boolean closed;

    LoopbackDnsServer(int port) {
        Sockets sockets = bind(port);
        this.udp = sockets.udp;
        this.tcp = sockets.tcp;
    }

    private record Sockets(DatagramSocket udp, ServerSocket tcp) {}

    private static Sockets bind(int port) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        IOException last = null;
        for (int attempt = 0; attempt < (port == 0 ? BIND_ATTEMPTS : 1); attempt++) {
            DatagramSocket u = null;
            try {
                u = new DatagramSocket(new InetSocketAddress(loopback, port));
                ServerSocket t = new ServerSocket();
                try {
                    t.bind(new InetSocketAddress(loopback, u.getLocalPort()));
                } catch (IOException e) {
                    t.close();
                    throw e;
                }
                return new Sockets(u, t);
            } catch (IOException e) {
                // The UDP port was free but its TCP twin was taken: try another pair.
                if (u != null) u.close();
                last = e;
            }
        }
        throw new UncheckedIOException("cannot bind a DNS server on 127.0.0.1:" + port, last);
    }

    /** Starts serving; called by the factories once the subclass is fully constructed. */
    <T extends LoopbackDnsServer> T begin() {
        Thread.ofVirtual().name("dns-udp-" + port()).start(this::serveUdp);
        Thread.ofVirtual().name("dns-tcp-" + port()).start(this::acceptTcp);
        @SuppressWarnings("unchecked")
        T self = (T) this;
        return self;
    }

    /** The reply to a query (raw DNS message bytes), or null to stay silent. */
    abstract byte[] reply(byte[] query);

    /** UDP queries received plus TCP connections accepted. */
    public int queriesReceived() {
        return queries.get();
    }

    public int port() {
        return udp.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    /** The {@code dns.servers} value for this server, e.g. {@code 127.0.0.1:40123}. */
    public String server() {
        return "127.0.0.1:" + port();
    }

    /** Whether TCP connections are answered or just held open. */
    boolean answersTcp() {
        return true;
    }

    private void serveUdp() {
        byte[] buf = new byte[4096];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
                queries.incrementAndGet();
                byte[] query = java.util.Arrays.copyOf(p.getData(), p.getLength());
                byte[] out = reply(query);
                if (out != null) udp.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                queries.incrementAndGet();
                connections.add(s);
                if (answersTcp()) Thread.ofVirtual().start(() -> serveTcp(s));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void serveTcp(Socket s) {
        try (s) {
            var in = new java.io.DataInputStream(s.getInputStream());
            var out = new java.io.DataOutputStream(s.getOutputStream());
            while (!closed) {
                int len = in.readUnsignedShort();
                byte[] query = in.readNBytes(len);
                byte[] reply = reply(query);
                if (reply == null) continue;
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away or the server closed
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}

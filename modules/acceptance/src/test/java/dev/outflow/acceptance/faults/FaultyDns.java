package dev.outflow.acceptance.faults;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * A DNS proxy in front of the real server (knot) that breaks chosen names: questions under a
 * faulty domain are answered SERVFAIL or not at all (a timeout), until a given instant or for
 * good; everything else is forwarded as is. UDP and TCP on 127.0.0.1 (ephemeral port), one
 * virtual thread per question. The fault suite points {@code dns.servers} here.
 *
 * <p>Thread-safe: rules may be added while it runs.
 */
public final class FaultyDns implements AutoCloseable {
    public enum Fault { SERVFAIL, NO_ANSWER }

    private record Rule(String suffix, Fault fault, Instant until) {
        boolean applies(String name, Instant now) {
            return (name.equals(suffix) || name.endsWith("." + suffix)) && (until == null || now.isBefore(until));
        }
    }

    private final InetSocketAddress upstream;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final AtomicInteger faulted = new AtomicInteger();
    private volatile boolean closed;

    private FaultyDns(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        InetAddress lo = InetAddress.getLoopbackAddress();
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int i = 0; i < 20 && t == null; i++) {
            u = new DatagramSocket(new InetSocketAddress(lo, 0));
            try {
                t = new ServerSocket();
                t.bind(new InetSocketAddress(lo, u.getLocalPort()));
            } catch (IOException e) {
                t = null;
                u.close();
            }
        }
        if (t == null) throw new IOException("no UDP+TCP port pair for the DNS proxy");
        this.udp = u;
        this.tcp = t;
        Thread.ofVirtual().name("faultydns-udp").start(this::udpLoop);
        Thread.ofVirtual().name("faultydns-tcp").start(this::tcpLoop);
    }

    /** A proxy forwarding to {@code upstream} (e.g. knot's 127.0.0.1:port). */
    public static FaultyDns start(InetSocketAddress upstream) {
        try {
            return new FaultyDns(upstream);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Breaks a domain (and names under it) until {@code until}; null = for good. */
    public FaultyDns fault(String domain, Fault fault, Instant until) {
        rules.add(new Rule(domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", ""), fault, until));
        return this;
    }

    /** The {@code dns.servers} value. */
    public String server() {
        return "127.0.0.1:" + udp.getLocalPort();
    }

    /** Questions answered with a fault so far. */
    public int faulted() {
        return faulted.get();
    }

    private void udpLoop() {
        byte[] buf = new byte[4096];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            byte[] q = java.util.Arrays.copyOf(p.getData(), p.getLength());
            InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
            Thread.ofVirtual().start(() -> {
                byte[] a = answer(q);
                if (a == null) return;
                try {
                    udp.send(new DatagramPacket(a, a.length, from));
                } catch (IOException ignored) {
                    // the client gave up
                }
            });
        }
    }

    private void tcpLoop() {
        while (!closed) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            Thread.ofVirtual().start(() -> {
                try (s; DataInputStream in = new DataInputStream(s.getInputStream());
                     DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
                    while (true) {
                        int len = in.readUnsignedShort();
                        byte[] q = in.readNBytes(len);
                        byte[] a = answer(q);
                        if (a == null) {
                            in.read(); // hold the connection silently until the client closes it
                            return;
                        }
                        out.writeShort(a.length);
                        out.write(a);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // connection ended
                }
            });
        }
    }

    /** The reply bytes, or null for no answer. */
    private byte[] answer(byte[] query) {
        Message m;
        try {
            m = new Message(query);
        } catch (IOException e) {
            return null;
        }
        if (m.getQuestion() != null) {
            String name = m.getQuestion().getName().toString(true).toLowerCase(Locale.ROOT);
            Instant now = Instant.now();
            for (Rule r : rules) {
                if (!r.applies(name, now)) continue;
                faulted.incrementAndGet();
                if (r.fault == Fault.NO_ANSWER) return null;
                Message reply = new Message(m.getHeader().getID());
                reply.getHeader().setFlag(Flags.QR);
                reply.getHeader().setFlag(Flags.RA);
                reply.getHeader().setRcode(Rcode.SERVFAIL);
                reply.addRecord(m.getQuestion(), Section.QUESTION);
                return reply.toWire();
            }
        }
        return forward(query);
    }

    private byte[] forward(byte[] query) {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(2000);
            s.send(new DatagramPacket(query, query.length, upstream));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            return java.util.Arrays.copyOf(p.getData(), p.getLength());
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}

package dev.outflow.submission.smtpd;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP link between Kafka clients and a broker that advertises this link's address, which can
 * fail like a broker does for one group of clients (those whose {@code client.id} starts with a
 * prefix): {@link #failAfterNextProduce()} forwards the next Produce request to the broker (so its
 * records are written) and then cuts every connection of those clients and refuses their new ones
 * until {@link #heal()}; the response to that Produce request never reaches them. The broker's
 * connections to itself (it advertises this address to itself too) are not cut. Requests are read
 * as Kafka frames: 4-byte size, then the header (API key, version, correlation id, client id).
 */
final class KafkaLink implements AutoCloseable {
    private static final short PRODUCE = 0;

    private final String clientPrefix;
    private final ServerSocket server;
    private volatile InetSocketAddress target;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Set<Socket> upstream = ConcurrentHashMap.newKeySet();
    private final AtomicInteger produced = new AtomicInteger();
    private volatile boolean armed;
    private volatile boolean down;

    KafkaLink(String clientPrefix) throws IOException {
        this.clientPrefix = clientPrefix;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("kafka-link-accept").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Where connections go; set before the first client connects. */
    void target(InetSocketAddress broker) {
        this.target = broker;
    }

    void failAfterNextProduce() {
        armed = true;
    }

    /** Produce requests forwarded so far. */
    int produceRequests() {
        return produced.get();
    }

    boolean isDown() {
        return down;
    }

    void heal() {
        down = false;
        closeAll(upstream);
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (target == null) {
                closeQuietly(client);
                continue;
            }
            Thread.ofVirtual().name("kafka-link").start(() -> link(client));
        }
    }

    private void link(Socket client) {
        Socket broker = new Socket();
        try {
            broker.connect(target, 5000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(broker);
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean cuttable = new java.util.concurrent.atomic.AtomicBoolean();
        boolean ours = false;
        boolean first = true;
        Thread.ofVirtual().name("kafka-link-down").start(() -> responses(broker, client, cuttable));
        try (DataInputStream in = new DataInputStream(client.getInputStream())) {
            DataOutputStream out = new DataOutputStream(broker.getOutputStream());
            while (true) {
                int size = in.readInt();
                byte[] frame = in.readNBytes(size);
                if (frame.length < size) break;
                if (first) {
                    first = false;
                    ours = clientId(frame).startsWith(clientPrefix);
                    cuttable.set(ours);
                    if (ours) {
                        clients.add(client);
                        upstream.add(broker);
                    }
                }
                if (ours && down) break;
                out.writeInt(size);
                out.write(frame);
                out.flush();
                short apiKey = (short) (((frame[0] & 0xff) << 8) | (frame[1] & 0xff));
                if (ours && apiKey == PRODUCE) {
                    produced.incrementAndGet();
                    if (armed) {
                        armed = false;
                        down = true;
                        closeAll(clients);  // the broker side stays open: it processes the request, its answer is dropped
                    }
                }
            }
        } catch (IOException e) {
            // a side closed
        } finally {
            clients.remove(client);
            closeQuietly(client);
            if (!ours || !down) {
                upstream.remove(broker);
                closeQuietly(broker);
            }
        }
    }

    private void responses(Socket broker, Socket client, java.util.concurrent.atomic.AtomicBoolean cuttable) {
        byte[] buf = new byte[64 << 10];
        try (InputStream in = broker.getInputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (down && cuttable.get()) continue;
                client.getOutputStream().write(buf, 0, n);
            }
        } catch (IOException e) {
            // a side closed
        } finally {
            closeQuietly(client);
        }
    }

    private static String clientId(byte[] frame) {
        if (frame.length < 10) return "";
        int len = (short) (((frame[8] & 0xff) << 8) | (frame[9] & 0xff));
        if (len < 0 || 10 + len > frame.length) return "";
        return new String(frame, 10, len, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void closeAll(Set<Socket> sockets) {
        for (Socket s : sockets) closeQuietly(s);
        sockets.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeAll(clients);
        closeAll(upstream);
    }
}

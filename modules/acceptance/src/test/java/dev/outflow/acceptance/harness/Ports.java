package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on loopback addresses for the processes a scenario starts. A port found free may
 * be taken by someone else before the child binds it; the window is short and the child then
 * fails loudly at start. Thread-safe (stateless).
 */
public final class Ports {
    private static final int ATTEMPTS = 200;

    private Ports() {}

    /** A port free on 127.0.0.1 now. */
    public static int free() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port p with p and p + 1 free on 127.0.0.1: the embedded broker's controller takes the next port. */
    public static int freePair() {
        for (int i = 0; i < ATTEMPTS; i++) {
            int p = free();
            if (p < 65535 && isFree("127.0.0.1", p + 1)) return p;
        }
        throw new IllegalStateException("no two consecutive free ports on 127.0.0.1");
    }

    /**
     * One port free on every address given (e.g. 127.0.0.2 and 127.0.0.3), from the range
     * 20000–32767 (below the Linux ephemeral range 32768–60999, so clients' source ports do not take it).
     * Every receiving server of one Outflow instance listens on this port, because
     * {@code outbound.smtp_port} is one number and MX records carry no port.
     */
    public static int freeOnAll(String... addresses) {
        for (int i = 0; i < ATTEMPTS; i++) {
            int p = 20000 + ThreadLocalRandom.current().nextInt(12768);
            boolean ok = true;
            for (String a : addresses) {
                if (!isFree(a, p)) {
                    ok = false;
                    break;
                }
            }
            if (ok) return p;
        }
        throw new IllegalStateException("no port free on all of " + String.join(", ", addresses));
    }

    static boolean isFree(String address, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

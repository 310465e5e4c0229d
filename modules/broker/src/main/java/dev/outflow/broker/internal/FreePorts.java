package dev.outflow.broker.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Finds ports that are free right now on a host. Another process may take one before Kafka binds
 * it; the caller retries start-up with fresh ports on a bind failure.
 */
public final class FreePorts {
    private FreePorts() {
    }

    /** Two distinct free ports, held open together while probing so they differ. */
    public static int[] two(String host) {
        try (ServerSocket a = open(host); ServerSocket b = open(host)) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free ports on " + host, e);
        }
    }

    private static ServerSocket open(String host) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(InetAddress.getByName(stripBrackets(host)), 0));
        return s;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}

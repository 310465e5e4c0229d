package dev.outflow.testkit.dns;

/**
 * A DNS server that never answers: UDP queries are read and dropped, TCP connections are accepted
 * and held open without a byte. Point {@code dns.servers} at {@link #server()} to make every DNS
 * question time out (with a short {@code dns.timeout}). Binds 127.0.0.1 on an ephemeral port
 * (the same number for UDP and TCP). Thread-safe; {@link #close()} releases the port.
 */
public final class SilentDnsServer extends LoopbackDnsServer {
    private SilentDnsServer(int port) {
        super(port);
    }

    /** Starts on an ephemeral port. */
    public static SilentDnsServer start() {
        return new SilentDnsServer(0).begin();
    }

    /** Starts on the given port (0: ephemeral). */
    public static SilentDnsServer start(int port) {
        return new SilentDnsServer(port).begin();
    }

    @Override
    byte[] reply(byte[] query) {
        return null;
    }

    @Override
    boolean answersTcp() {
        return false;
    }
}

package dev.outflow.bench.e2e;

/**
 * A mail relay under test: accepts SMTP on {@link #listen()} from 127.0.0.0/8 without AUTH and
 * delivers everything to the benchmark's sink. {@link #start} returns once it accepts
 * connections; its CPU and memory are measured over the process tree under {@link #rootPid()}.
 */
interface Relay extends AutoCloseable {
    /** Short name for the tables, e.g. {@code outflow fsync=true}. */
    String name();

    /** Version and settings worth reporting. */
    String describe();

    void start(Sink sink) throws Exception;

    /** {@code host:port} where smtp-source injects. */
    String listen();

    long rootPid();

    /** A check after the runs, e.g. "queue empty" or a count from the relay's own log; empty when none. */
    default String afterCheck() {
        return "";
    }

    @Override
    void close();
}

package dev.outflow.acceptance;

/** Closes fixtures in the order given, each even when an earlier one fails; rethrows the first failure. */
final class Closer {
    private Closer() {}

    static void close(AutoCloseable... things) {
        Throwable first = null;
        for (AutoCloseable c : things) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Throwable t) {
                if (first == null) first = t;
                else first.addSuppressed(t);
            }
        }
        if (first instanceof RuntimeException r) throw r;
        if (first instanceof Error e) throw e;
        if (first != null) throw new IllegalStateException(first);
    }
}

package dev.outflow.core.mx.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TSIG;

/**
 * Asks DNS servers in order, each once with its own time limit, until one gives a usable answer
 * (NOERROR or NXDOMAIN); a timeout, network error, SERVFAIL or REFUSED moves on to the next
 * server. The last server's outcome is the result.
 *
 * <p>Replaces dnsjava's {@code ExtendedResolver} because that one depends on dnsjava's NIO
 * selector noticing timeouts, which happens only when the selector is idle and at most once a
 * second by default: a 500 ms per-server limit could take 1.5 s, after the overall deadline, and
 * the second server was never asked. Here each limit is enforced with
 * {@link CompletableFuture#orTimeout}. Thread-safe.
 */
final class FailoverResolver implements Resolver {
    private final List<Resolver> servers;
    private final Duration perServer;

    FailoverResolver(List<Resolver> servers, Duration perServer) {
        if (servers.isEmpty()) throw new IllegalArgumentException("no DNS server");
        this.servers = List.copyOf(servers);
        this.perServer = perServer;
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query) {
        return sendAsync(query, ForkJoinPool.commonPool());
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        return attempt(0, query, executor);
    }

    private CompletableFuture<Message> attempt(int index, Message query, Executor executor) {
        CompletableFuture<Message> reply;
        try {
            reply = servers.get(index).sendAsync(query.clone(), executor).toCompletableFuture().copy()
                    .orTimeout(perServer.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        if (index == servers.size() - 1) return reply;
        return reply.handle((m, err) -> err == null && usable(m) ? CompletableFuture.completedFuture(m) : attempt(index + 1, query, executor))
                .thenCompose(f -> f);
    }

    private static boolean usable(Message m) {
        return m.getRcode() == Rcode.NOERROR || m.getRcode() == Rcode.NXDOMAIN;
    }

    @Override
    public Duration getTimeout() {
        return perServer.multipliedBy(servers.size());
    }

    @Override
    public void setTimeout(Duration timeout) {
        throw new UnsupportedOperationException("the per-server timeout is fixed at construction");
    }

    @Override
    public void setPort(int port) {
        servers.forEach(s -> s.setPort(port));
    }

    @Override
    public void setTCP(boolean flag) {
        servers.forEach(s -> s.setTCP(flag));
    }

    @Override
    public void setIgnoreTruncation(boolean flag) {
        servers.forEach(s -> s.setIgnoreTruncation(flag));
    }

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
        servers.forEach(s -> s.setEDNS(version, payloadSize, flags, options));
    }

    @Override
    public void setTSIGKey(TSIG key) {
        servers.forEach(s -> s.setTSIGKey(key));
    }
}

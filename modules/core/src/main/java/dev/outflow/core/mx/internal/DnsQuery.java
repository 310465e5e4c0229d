package dev.outflow.core.mx.internal;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Asks one question through a dnsjava {@link Resolver} and classifies the reply as a
 * {@link DnsAnswer}. Follows CNAME chains (asking again when the server did not include the
 * target's records), up to {@link #MAX_CNAME_HOPS}. Never completes exceptionally: errors become
 * {@link DnsAnswer.Failure}. Stateless apart from the resolver; thread-safe when the resolver is.
 *
 * <p>Uses {@link Resolver#sendAsync(Message)} directly rather than dnsjava's {@code Lookup}, which
 * keeps a process-wide cache with its own rules: the caller does its own caching.
 */
public final class DnsQuery {
    static final int MAX_CNAME_HOPS = 8;
    /**
     * Extra wait beyond the resolver's own timeout. The bound is enforced here because dnsjava's
     * {@code SimpleResolver} notices timeouts only when its NIO selector is idle (up to a second late).
     */
    private static final Duration GRACE = Duration.ofMillis(50);

    private final Resolver resolver;

    public DnsQuery(Resolver resolver) {
        this.resolver = resolver;
    }

    /** Asks (name, type); the stage always completes normally. */
    public CompletableFuture<DnsAnswer> ask(Name name, int type) {
        return ask(name, type, 0, Long.MAX_VALUE);
    }

    private CompletableFuture<DnsAnswer> ask(Name name, int type, int hops, long ttlSoFar) {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        CompletableFuture<Message> reply;
        try {
            CompletionStage<Message> stage = resolver.sendAsync(query);
            reply = stage.toCompletableFuture().copy()
                    .orTimeout(resolver.getTimeout().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handle((m, err) -> err != null ? CompletableFuture.completedFuture(failure(name, type, err))
                        : classify(name, type, m, hops, ttlSoFar))
                .thenCompose(f -> f);
    }

    private CompletableFuture<DnsAnswer> classify(Name qname, int type, Message m, int hops, long ttlSoFar) {
        int rcode = m.getRcode();
        if (rcode == Rcode.NXDOMAIN) return done(new DnsAnswer.NxDomain(Math.min(ttlSoFar, negativeTtl(m))));
        if (rcode != Rcode.NOERROR) return done(new DnsAnswer.Failure(Rcode.string(rcode) + " for " + describe(qname, type), 0));
        if (m.getHeader().getFlag(Flags.TC)) {
            return done(new DnsAnswer.Failure("truncated reply for " + describe(qname, type), 0));
        }
        Name current = qname;
        long ttl = ttlSoFar;
        List<Record> answers = m.getSection(Section.ANSWER);
        // Walk the chain qname -> CNAME -> ... as far as this reply goes (records may come in any order).
        for (CNAMERecord cname = findCname(answers, current); cname != null; cname = findCname(answers, current)) {
            if (++hops > MAX_CNAME_HOPS) return done(new DnsAnswer.Failure("CNAME chain too long at " + describe(qname, type), 0));
            ttl = Math.min(ttl, cname.getTTL());
            current = cname.getTarget();
        }
        List<Record> found = new ArrayList<>();
        for (Record r : answers) {
            if (r.getType() == type && r.getName().equals(current)) {
                found.add(r);
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        if (!found.isEmpty()) return done(new DnsAnswer.Records(found, ttl));
        if (!current.equals(qname)) {
            // The server stopped at a CNAME whose target it does not serve: ask for the target.
            return ask(current, type, hops, ttl);
        }
        return done(new DnsAnswer.NoData(Math.min(ttl, negativeTtl(m))));
    }

    private static CNAMERecord findCname(List<Record> answers, Name owner) {
        for (Record r : answers) {
            if (r instanceof CNAMERecord c && c.getName().equals(owner)) return c;
        }
        return null;
    }

    /** RFC 2308 section 5: the SOA's TTL, bounded by its MINIMUM field; without a SOA, not cached. */
    private static long negativeTtl(Message m) {
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) return Math.min(soa.getTTL(), soa.getMinimum());
        }
        return 0;
    }

    private static DnsAnswer failure(Name name, int type, Throwable err) {
        Throwable e = err;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) e = e.getCause();
        String what = describe(name, type);
        if (e instanceof TimeoutException || e instanceof SocketTimeoutException || isTimeoutMessage(e)) {
            return new DnsAnswer.Failure("timeout for " + what, 0);
        }
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new DnsAnswer.Failure((e instanceof IOException ? "network error for " : "error for ") + what + " (" + detail + ")", 0);
    }

    private static boolean isTimeoutMessage(Throwable e) {
        // dnsjava reports some timeouts as plain IOExceptions ("Timed out while trying to resolve ...").
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException) return true;
            String msg = t.getMessage();
            if (msg != null && msg.toLowerCase(java.util.Locale.ROOT).contains("timed out")) return true;
        }
        return false;
    }

    private static String describe(Name name, int type) {
        return name.toString(true) + "/" + Type.string(type);
    }

    private static CompletableFuture<DnsAnswer> done(DnsAnswer a) {
        return CompletableFuture.completedFuture(a);
    }
}

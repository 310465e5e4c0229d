package dev.outflow.testkit.dns;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SetResponse;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Zone;

/**
 * A dnsjava {@link Resolver} that answers from in-memory {@link Zone}s, like a recursive resolver
 * would (no sockets): records of the asked type, CNAME chains followed across the zones,
 * NXDOMAIN for a missing name and NOERROR with no answer (NODATA) for a missing type, both with the
 * zone's SOA in the authority section (RFC 2308); a name outside every zone is NXDOMAIN without SOA.
 *
 * <p>Faults for chosen names: {@link #servfail(String)}, {@link #timeout(String)} (fails at once
 * with a {@link SocketTimeoutException}, as {@code SimpleResolver} does after its timeout, so
 * tests do not wait), {@link #refuse(String)}. {@link #holdAnswers()} parks every answer until
 * {@link #releaseAnswers()} (or {@link #releaseHeldAnswers()}, which keeps parking later ones), to
 * test concurrent lookups. Every question is counted
 * ({@link #queries(String, int)}).
 *
 * <pre>{@code
 * ZoneResolver dns = ZoneResolver.testZone();          // the same zone KnotDns serves
 * dns.add("extra.test. 60 IN MX 10 mx1.normal.test."); // more records at run time
 * dns.servfail("broken.test");
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ZoneResolver implements Resolver {
    /** Class-path resource of the shared test zone (origin {@code test.}). */
    public static final String TEST_ZONE_RESOURCE = "dns/test.zone";

    private final List<Zone> zones = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final List<Runnable> held = new ArrayList<>();
    private boolean holding;
    private volatile Duration timeout = Duration.ofSeconds(5);

    private static final int TIMEOUT = -1;

    public ZoneResolver(Zone... zones) {
        this.zones.addAll(List.of(zones));
    }

    /** A resolver answering from {@code dns/test.zone} (see the comments in that file). */
    public static ZoneResolver testZone() {
        return new ZoneResolver(loadTestZone());
    }

    /** The shared test zone, parsed. */
    public static Zone loadTestZone() {
        try (InputStream in = ZoneResolver.class.getClassLoader().getResourceAsStream(TEST_ZONE_RESOURCE)) {
            if (in == null) throw new IllegalStateException(TEST_ZONE_RESOURCE + " is not on the class path");
            return new Zone(Name.fromConstantString("test."), in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A zone from master-file text; the SOA and NS records are added when the text has none, so
     * {@code zone("example.", "@ MX 10 mx", "mx A 127.0.0.2")} is enough. Relative names are
     * relative to the origin; the default TTL is 60.
     */
    public static Zone zone(String origin, String... lines) {
        String o = origin.endsWith(".") ? origin : origin + ".";
        StringBuilder text = new StringBuilder("$ORIGIN ").append(o).append("\n$TTL 60\n");
        String body = String.join("\n", lines);
        if (!body.contains("SOA")) text.append("@ SOA ns.").append(o).append(" hostmaster.").append(o).append(" 1 3600 600 86400 30\n");
        if (!body.contains(" NS ")) text.append("@ NS ns.").append(o).append('\n');
        text.append(body).append('\n');
        try {
            return new Zone(Name.fromString(o), new java.io.ByteArrayInputStream(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalArgumentException("bad zone text for " + o + ": " + e.getMessage(), e);
        }
    }

    /** Adds a zone (answers come from the zone with the longest matching origin). */
    public ZoneResolver addZone(Zone zone) {
        zones.add(zone);
        return this;
    }

    /** Adds one record in master-file form with an absolute owner, e.g. {@code "a.test. 60 IN A 127.0.0.9"}. */
    public ZoneResolver add(String record) {
        Record r = parseRecord(record);
        Zone zone = zoneFor(r.getName());
        if (zone == null) throw new IllegalArgumentException("no zone holds " + r.getName());
        zone.addRecord(r);
        return this;
    }

    /** Removes every record of (name, type). */
    public ZoneResolver remove(String name, int type) {
        Name n = name(name);
        Zone zone = zoneFor(n);
        if (zone != null) zone.removeRRset(n, type);
        return this;
    }

    /** Questions about this name (any type) answer SERVFAIL. */
    public ZoneResolver servfail(String name) {
        return fault(name, Type.ANY, Rcode.SERVFAIL);
    }

    /** Questions of this type about this name answer SERVFAIL, e.g. {@code servfail("mx.test", Type.AAAA)}. */
    public ZoneResolver servfail(String name, int type) {
        return fault(name, type, Rcode.SERVFAIL);
    }

    /** Questions about this name answer REFUSED. */
    public ZoneResolver refuse(String name) {
        return fault(name, Type.ANY, Rcode.REFUSED);
    }

    /** Questions about this name fail with a timeout (at once). */
    public ZoneResolver timeout(String name) {
        return fault(name, Type.ANY, TIMEOUT);
    }

    /** Questions of this type about this name fail with a timeout (at once). */
    public ZoneResolver timeout(String name, int type) {
        return fault(name, type, TIMEOUT);
    }

    /** Questions about this name are answered from the zones again (faults of every type removed). */
    public ZoneResolver heal(String name) {
        String prefix = key(name(name), Type.ANY);
        prefix = prefix.substring(0, prefix.lastIndexOf('/') + 1);
        String p = prefix;
        faults.keySet().removeIf(k -> k.startsWith(p));
        return this;
    }

    private ZoneResolver fault(String name, int type, int rcode) {
        faults.put(key(name(name), type), rcode);
        return this;
    }

    private Integer faultFor(Name name, int type) {
        Integer f = faults.get(key(name, type));
        return f != null ? f : faults.get(key(name, Type.ANY));
    }

    /** Parks answers (the futures stay pending) until {@link #releaseAnswers()}. */
    public synchronized void holdAnswers() {
        holding = true;
    }

    /** Sends every parked answer and stops parking. */
    public void releaseAnswers() {
        release(false);
    }

    /** Sends the answers parked so far and keeps parking new ones (to step through a lookup). */
    public void releaseHeldAnswers() {
        release(true);
    }

    private void release(boolean keepHolding) {
        List<Runnable> toRun;
        synchronized (this) {
            holding = keepHolding;
            toRun = new ArrayList<>(held);
            held.clear();
        }
        toRun.forEach(Runnable::run);
    }

    /** Answers parked by {@link #holdAnswers()} and not yet released. */
    public synchronized int heldAnswers() {
        return held.size();
    }

    /** How many questions (name, type) were asked, e.g. {@code queries("normal.test", Type.MX)}. */
    public int queries(String name, int type) {
        AtomicInteger n = counts.get(key(name(name), type));
        return n == null ? 0 : n.get();
    }

    /** How many questions were asked in all. */
    public int totalQueries() {
        return total.get();
    }

    public void resetCounts() {
        counts.clear();
        total.set(0);
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query) {
        return sendAsync(query, Runnable::run);
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        Record question = query.getQuestion();
        total.incrementAndGet();
        counts.computeIfAbsent(key(question.getName(), question.getType()), k -> new AtomicInteger()).incrementAndGet();
        CompletableFuture<Message> result = new CompletableFuture<>();
        Runnable answer = () -> {
            Integer fault = faultFor(question.getName(), question.getType());
            if (fault != null && fault == TIMEOUT) {
                result.completeExceptionally(new SocketTimeoutException("simulated DNS timeout for " + question.getName()));
            } else if (fault != null) {
                result.complete(reply(query, fault));
            } else {
                result.complete(answer(query));
            }
        };
        synchronized (this) {
            if (holding) {
                held.add(answer);
                return result;
            }
        }
        answer.run();
        return result;
    }

    private Message answer(Message query) {
        Record question = query.getQuestion();
        int type = question.getType();
        Message m = reply(query, Rcode.NOERROR);
        Name current = question.getName();
        for (int hop = 0; hop < 16; hop++) {
            Zone zone = zoneFor(current);
            if (zone == null) {
                // Outside every zone: a recursive resolver would say NXDOMAIN. After a CNAME, stop at the CNAME.
                if (hop == 0) m.getHeader().setRcode(Rcode.NXDOMAIN);
                return m;
            }
            SetResponse sr = zone.findRecords(current, type);
            if (sr.isSuccessful()) {
                for (RRset set : sr.answers()) set.rrs(false).forEach(r -> m.addRecord(r, Section.ANSWER));
                return m;
            }
            if (sr.isCNAME()) {
                m.addRecord(sr.getCNAME(), Section.ANSWER);
                current = sr.getCNAME().getTarget();
                continue;
            }
            if (sr.isNXDOMAIN() && !hasDescendants(zone, current)) m.getHeader().setRcode(Rcode.NXDOMAIN);
            m.addRecord(zone.getSOA(), Section.AUTHORITY);
            return m;
        }
        m.getHeader().setRcode(Rcode.SERVFAIL);
        return m;
    }

    /** An empty non-terminal (a name with no records but names below it) exists: NODATA, not NXDOMAIN. */
    private static boolean hasDescendants(Zone zone, Name name) {
        for (RRset set : zone) {
            if (set.getName().subdomain(name) && !set.getName().equals(name)) return true;
        }
        return false;
    }

    private static Message reply(Message query, int rcode) {
        Message m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) m.getHeader().setFlag(Flags.RD);
        m.getHeader().setRcode(rcode);
        m.addRecord(query.getQuestion(), Section.QUESTION);
        return m;
    }

    private Zone zoneFor(Name name) {
        Zone best = null;
        for (Zone z : zones) {
            if (name.subdomain(z.getOrigin()) && (best == null || z.getOrigin().labels() > best.getOrigin().labels())) best = z;
        }
        return best;
    }

    private static Record parseRecord(String text) {
        try (Master master = new Master(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), Name.root, 60)) {
            Record r = master.nextRecord();
            if (r == null) throw new IllegalArgumentException("no record in '" + text + "'");
            return r;
        } catch (IOException e) {
            throw new IllegalArgumentException("bad record '" + text + "': " + e.getMessage(), e);
        }
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad name '" + name + "'", e);
        }
    }

    private static String key(Name name, int type) {
        return name.toString().toLowerCase(java.util.Locale.ROOT) + "/" + Type.string(type);
    }

    // --- Resolver settings: accepted and ignored (no wire), except the timeout a caller may read back.

    @Override
    public void setPort(int port) {}

    @Override
    public void setTCP(boolean flag) {}

    @Override
    public void setIgnoreTruncation(boolean flag) {}

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {}

    @Override
    public void setTSIGKey(TSIG key) {}

    @Override
    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Duration getTimeout() {
        return timeout;
    }
}

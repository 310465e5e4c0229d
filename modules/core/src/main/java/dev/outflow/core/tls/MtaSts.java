package dev.outflow.core.tls;

import dev.outflow.core.mx.internal.DnsAnswer;
import dev.outflow.core.mx.internal.DnsCache;
import dev.outflow.core.mx.internal.DnsQuery;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * MTA-STS policy discovery (RFC 8461): the {@code _mta-sts.DOMAIN} TXT record (through the DNS
 * resolver, cached per TTL), then {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} over
 * verified TLS ({@link TlsTrust}), without following redirects, with a body of at most 64 KiB
 * and an overall time limit. A policy is cached for its {@code max_age} and fetched again when the
 * TXT record's {@code id} changes. When the record is missing or a fetch fails, a cached policy
 * that has not expired still applies (section 5.1); without one the domain has no policy. A
 * failed fetch is not tried again for {@link #FAILURE_QUIET} (same domain and id), and one fetch
 * per domain runs at a time, so a broken policy host costs deliveries one wait, not one each.
 *
 * <p>The HTTPS host is resolved through the same DNS resolver as MX records (not the JVM's
 * resolver), so tests can point it at 127.0.0.1; {@code httpsPort} (443 outside tests) is the
 * port connected to. Thread-safe; blocking.
 */
public final class MtaSts {
    private static final Logger log = LoggerFactory.getLogger(MtaSts.class);
    static final int MAX_BODY = 64 * 1024;
    static final int MAX_HEADER_BYTES = 16 * 1024;
    /** How long a failed fetch (for one domain and TXT id) is not tried again. */
    public static final Duration FAILURE_QUIET = Duration.ofMinutes(5);

    private final DnsQuery query;
    private final DnsCache dns;
    private final TlsTrust trust;
    private final int httpsPort;
    private final Duration timeout;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> fetching = new ConcurrentHashMap<>();
    /** After a failed fetch, deliveries do not wait for the same policy host again for a while. */
    private final Map<String, Instant> failed = new ConcurrentHashMap<>();

    private record Cached(MtaStsPolicy policy, String id, Instant expires) {}

    /** A policy for one domain and the id of the TXT record it was fetched for. */
    public record Found(MtaStsPolicy policy, String id) {}

    public MtaSts(Resolver resolver, TlsTrust trust, int httpsPort, Duration timeout, Clock clock) {
        this.query = new DnsQuery(resolver);
        this.dns = new DnsCache(clock, Duration.ofHours(1), Duration.ofSeconds(10), 100_000);
        this.trust = trust;
        this.httpsPort = httpsPort;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The policy in force for a domain, or null when it has none (or none could be had). */
    public Found policyFor(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        String id = txtId(d);
        Instant now = clock.instant();
        Cached c = cache.get(d);
        boolean fresh = c != null && now.isBefore(c.expires);
        if (fresh && (id == null || id.equals(c.id))) return new Found(c.policy, c.id);
        if (id == null) return null;
        // one fetch per domain at a time: a burst of deliveries to a new domain asks its policy host once
        ReentrantLock lock = fetching.computeIfAbsent(d, k -> new ReentrantLock());
        lock.lock();
        try {
            Cached now2 = cache.get(d);
            if (now2 != null && id.equals(now2.id) && clock.instant().isBefore(now2.expires)) return new Found(now2.policy, now2.id);
            Instant quiet = failed.get(d + "/" + id);
            if (quiet != null && now.isBefore(quiet)) return fresh ? new Found(c.policy, c.id) : null;
            return fetchAndCache(d, id, now, c, fresh);
        } finally {
            lock.unlock();
        }
    }

    private Found fetchAndCache(String d, String id, Instant now, Cached c, boolean fresh) {
        try {
            MtaStsPolicy p = fetch(d);
            cache.put(d, new Cached(p, id, now.plus(p.maxAge())));
            failed.remove(d + "/" + id);
            log.info("MTA-STS policy of {} (id {}): mode {}, mx {}, max_age {}s", d, id, p.mode().name().toLowerCase(Locale.ROOT), p.mx(),
                    p.maxAge().toSeconds());
            return new Found(p, id);
        } catch (IOException | IllegalArgumentException e) {
            failed.put(d + "/" + id, now.plus(FAILURE_QUIET));
            if (fresh) {
                log.warn("MTA-STS policy of {} could not be refreshed for id {} ({}); the cached one (id {}) stays in force", d, id, e.getMessage(), c.id);
                return new Found(c.policy, c.id);
            }
            log.warn("MTA-STS policy of {} could not be fetched ({}); delivering as without a policy", d, e.getMessage());
            return null;
        }
    }

    /** The id of the single {@code v=STSv1} TXT record, or null (none, several, or a DNS failure). */
    private String txtId(String domain) {
        DnsAnswer a = dns.answer(name("_mta-sts." + domain), Type.TXT, query::ask).join();
        if (!(a instanceof DnsAnswer.Records r)) return null;
        List<String> ids = new ArrayList<>(1);
        for (Record rec : r.records()) {
            if (!(rec instanceof TXTRecord txt)) continue;
            String text = String.join("", txt.getStrings()).strip();
            if (!text.startsWith("v=STSv1")) continue;
            String id = null;
            for (String field : text.split(";")) {
                String f = field.strip();
                if (f.startsWith("id=")) id = f.substring(3).strip();
            }
            ids.add(id != null && id.matches("[A-Za-z0-9]{1,32}") ? id : null);
        }
        return ids.size() == 1 ? ids.get(0) : null;
    }

    private MtaStsPolicy fetch(String domain) throws IOException {
        String host = "mta-sts." + domain;
        InetAddress ip = address(host);
        long end = System.nanoTime() + timeout.toNanos();
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(ip, httpsPort), (int) Math.max(1, timeout.toMillis()));
            raw.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            try (SSLSocket ssl = trust.handshake(raw, host)) {
                OutputStream out = ssl.getOutputStream();
                out.write(("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: outflow\r\nAccept: text/plain\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return MtaStsPolicy.parse(HttpBody.read(ssl.getInputStream(), end, "https://" + host + "/.well-known/mta-sts.txt"));
            }
        }
    }

    private InetAddress address(String host) throws IOException {
        for (int type : new int[] {Type.A, Type.AAAA}) {
            DnsAnswer a = dns.answer(name(host), type, query::ask).join();
            if (a instanceof DnsAnswer.Records r) {
                for (Record rec : r.records()) {
                    if (rec instanceof ARecord ar) return ar.getAddress();
                    if (rec instanceof AAAARecord aaaa) return aaaa.getAddress();
                }
            }
        }
        throw new IOException("no address for " + host);
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad domain name '" + s + "'");
        }
    }

    /** Reads one HTTP/1.1 response: 200 with text/plain only, no redirects, bounded sizes and time. */
    static final class HttpBody {
        private HttpBody() {}

        static String read(InputStream in, long endNanos, String url) throws IOException {
            Bounded b = new Bounded(in, endNanos);
            String status = b.line();
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) throw new IOException(url + ": not an HTTP/1.x response");
            int code;
            try {
                code = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException(url + ": bad status line '" + status + "'");
            }
            if (code / 100 == 3) throw new IOException(url + " answered " + code + ": redirects are not followed (RFC 8461 3.3)");
            if (code != 200) throw new IOException(url + " answered " + code);
            long length = -1;
            boolean chunked = false;
            String type = null;
            for (String h = b.line(); !h.isEmpty(); h = b.line()) {
                int colon = h.indexOf(':');
                if (colon <= 0) continue;
                String k = h.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String v = h.substring(colon + 1).strip();
                switch (k) {
                    case "content-length" -> length = Long.parseLong(v);
                    case "transfer-encoding" -> chunked = v.toLowerCase(Locale.ROOT).contains("chunked");
                    case "content-type" -> type = v.toLowerCase(Locale.ROOT);
                    default -> { }
                }
            }
            if (type == null || !type.startsWith("text/plain")) throw new IOException(url + ": content type " + type + ", expected text/plain");
            if (length > MAX_BODY) throw new IOException(url + ": policy larger than " + MAX_BODY + " bytes");
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (long size = Long.parseLong(b.line().split(";")[0].strip(), 16); size > 0; size = Long.parseLong(b.line().split(";")[0].strip(), 16)) {
                    if (body.size() + size > MAX_BODY) throw new IOException(url + ": policy larger than " + MAX_BODY + " bytes");
                    b.copy(body, size);
                    b.line();
                }
            } else if (length >= 0) {
                b.copy(body, length);
            } else {
                for (int c = b.read(); c >= 0; c = b.read()) {
                    if (body.size() >= MAX_BODY) throw new IOException(url + ": policy larger than " + MAX_BODY + " bytes");
                    body.write(c);
                }
            }
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    /** An input stream with a deadline and a header size bound. */
    private static final class Bounded {
        private final InputStream in;
        private final long end;
        private int headerBytes;

        Bounded(InputStream in, long end) {
            this.in = in;
            this.end = end;
        }

        int read() throws IOException {
            if (System.nanoTime() - end > 0) throw new IOException("MTA-STS policy fetch took too long");
            return in.read();
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = read(); c != '\n'; c = read()) {
                if (c < 0) throw new IOException("connection closed in the HTTP response head");
                if (++headerBytes > MAX_HEADER_BYTES) throw new IOException("HTTP response head larger than " + MAX_HEADER_BYTES + " bytes");
                if (c != '\r') sb.append((char) c);
            }
            return sb.toString();
        }

        void copy(ByteArrayOutputStream out, long n) throws IOException {
            for (long i = 0; i < n; i++) {
                int c = read();
                if (c < 0) throw new IOException("connection closed in the HTTP body");
                out.write(c);
            }
        }
    }
}

package dev.outflow.core.delivery;

import dev.outflow.core.address.PrivateAddresses;
import dev.outflow.core.mx.MxHost;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.core.smtp.Deadline;
import dev.outflow.core.smtp.Envelope;
import dev.outflow.core.smtp.HostFailure;
import dev.outflow.core.smtp.MailContent;
import dev.outflow.core.smtp.SmtpClient;
import dev.outflow.core.smtp.SmtpReply;
import dev.outflow.core.smtp.Target;
import dev.outflow.core.smtp.TransactionResult;
import dev.outflow.core.tls.TlsPolicy;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt of one message over the hosts found for its domain: each MX in order and
 * each of its addresses in order, the recipients sent in transactions of at most
 * {@code outbound.recipient_limit}, until every recipient has a result or a bound of the attempt
 * is reached. What one remote server may cost is bounded here, so that it cannot hold a delivery
 * thread (and the mail of other domains behind it) for long:
 * <ul>
 * <li>time: every wait ends by the attempt's {@link Deadline} ({@code outbound.transaction_timeout});
 * <li>addresses: at most {@code outbound.mx_address_limit} addresses are tried;
 * <li>sessions: at most {@code outbound.mx_session_limit} addresses that completed greeting and
 *     EHLO (a server that takes part but fails every transaction, or a tarpit);
 * <li>private addresses (loopback, RFC 1918, link-local...) found through DNS or a literal are
 *     skipped unless {@code outbound.allow_private}; routes of a get_mx hook are the operator's
 *     and may be private. When every address was private, the recipients bounce (550 5.4.4).
 * <li>TLS: every session runs under the delivery's {@link TlsPolicy}; under an enforced MTA-STS
 *     policy an MX host whose name does not match the policy is skipped (testing: logged).
 * </ul>
 * Recipients a server refused at RCPT with 452 (or 552, RFC 5321 4.5.3.1.10) go into the next
 * transaction of the same attempt, on the same connection or the next address, as long as the
 * transaction that refused them decided at least one other recipient; otherwise they are
 * deferred. Recipients never sent (limits, deadline, every host failed) are deferred with the
 * reason. Used once, by one thread.
 */
final class Attempt {
    private static final Logger log = LoggerFactory.getLogger(Attempt.class);

    private final Delivery d;
    private final DeliverySettings s;
    private final SmtpClient client;
    private final Deadline deadline;
    private final boolean routesTrusted;
    private final TlsPolicy tls;
    private final MailContent content;
    private final RecipientResult[] results;
    private final Deque<Integer> pending = new ArrayDeque<>();

    private MxRoute reachedRoute;
    private TransactionResult reached;
    private boolean reachedDelivered;
    private HostFailure lastFailure;
    private String lastLocal;
    private String stoppedBy;
    private int tried;
    private int sessions;
    private int seen;
    private int privateRefused;
    private String privateExample;

    /**
     * @param routesTrusted the hosts came from a get_mx hook: private addresses are allowed
     */
    Attempt(Delivery d, DeliverySettings s, SmtpClient client, Deadline deadline, boolean routesTrusted) {
        this(d, s, client, deadline, routesTrusted, new TlsPolicy(s.tlsPolicy(), "tls.policy", null));
    }

    Attempt(Delivery d, DeliverySettings s, SmtpClient client, Deadline deadline, boolean routesTrusted, TlsPolicy tls) {
        this.tls = tls;
        this.d = d;
        this.s = s;
        this.client = client;
        this.deadline = deadline;
        this.routesTrusted = routesTrusted;
        this.content = MailContent.of(d.contents());
        this.results = new RecipientResult[d.recipients().size()];
    }

    DeliveryResult run(List<MxHost> hosts) {
        for (int i = 0; i < results.length; i++) pending.add(i);
        walk(hosts);
        return result();
    }

    private void walk(List<MxHost> hosts) {
        for (MxHost host : hosts) {
            if (host.addresses().isEmpty()) {
                lastLocal = "MX " + host.route().exchange() + " has no address";
                continue;
            }
            if (tls.sts() != null && !tls.sts().matches(host.route().exchange())) {
                if (tls.enforcesMx()) {
                    lastLocal = "MX " + host.route().exchange() + " does not match the MTA-STS policy of " + d.domain()
                            + " (mode enforce, mx " + String.join(", ", tls.sts().mx()) + ")";
                    log.info("Message {}: {}; skipped", d.id(), lastLocal);
                    continue;
                }
                // testing mode exists so that operators see what enforce would refuse (RFC 8461 5)
                log.warn("Message {}: MX {} does not match the MTA-STS policy of {} (mode testing, mx {}); delivering anyway",
                        d.id(), host.route().exchange(), d.domain(), String.join(", ", tls.sts().mx()));
            }
            for (InetAddress ip : host.addresses()) {
                seen++;
                if (refusedAsPrivate(host.route(), ip)) continue;
                Target target;
                try {
                    target = target(host.route(), ip, s, tls);
                } catch (IllegalArgumentException e) {
                    lastLocal = "bad route " + host.route() + ": " + e.getMessage();
                    continue;
                }
                if (limitReached()) return;
                tried++;
                if (sendAll(host.route(), target)) sessions++;
                if (pending.isEmpty()) return;
            }
        }
    }

    private boolean refusedAsPrivate(MxRoute route, InetAddress ip) {
        if (s.allowPrivate() || routesTrusted) return false;
        String kind = PrivateAddresses.kind(ip);
        if (kind == null) return false;
        privateRefused++;
        String addr = ip.getHostAddress();
        if (privateExample == null) privateExample = (route.exchange().equals(addr) ? "" : route.exchange()) + "[" + addr + "] (" + kind + ")";
        log.debug("Message {}: not connecting to {}[{}]: {} address", d.id(), route.exchange(), ip.getHostAddress(), kind);
        return true;
    }

    /** Before another address: false while the attempt may go on, else names the bound in {@link #stoppedBy}. */
    private boolean limitReached() {
        DeliverySettings.Limits l = s.limits();
        if (deadline.passed()) stoppedBy = deadline.describe() + " reached";
        else if (l.mxAddresses() > 0 && tried >= l.mxAddresses()) stoppedBy = "outbound.mx_address_limit (" + l.mxAddresses() + ") reached";
        else if (l.mxSessions() > 0 && sessions >= l.mxSessions()) stoppedBy = "outbound.mx_session_limit (" + l.mxSessions() + ") reached";
        return stoppedBy != null;
    }

    /**
     * Sends the pending recipients to one address, one transaction per batch, until none is left
     * or the host fails; answers whether a session got through greeting and EHLO.
     */
    private boolean sendAll(MxRoute route, Target target) {
        boolean session = false;
        while (!pending.isEmpty() && !deadline.passed()) {
            List<Integer> batch = take(s.limits().recipients());
            TransactionResult r;
            try {
                r = client.send(target, s.session(), envelope(batch), content, deadline);
            } catch (HostFailure f) {
                log.debug("Message {}: {}", d.id(), f.getMessage());
                putBack(batch);
                lastFailure = f;
                lastLocal = null;
                return session || f.stage() == HostFailure.Stage.MAIL;
            }
            session = true;
            record(route, batch, r);
        }
        return session;
    }

    private List<Integer> take(int max) {
        List<Integer> batch = new ArrayList<>(Math.min(max, pending.size()));
        while (batch.size() < max && !pending.isEmpty()) batch.add(pending.pollFirst());
        return batch;
    }

    /** Back to the front of the queue, in order. */
    private void putBack(List<Integer> indices) {
        for (int i = indices.size() - 1; i >= 0; i--) pending.addFirst(indices.get(i));
    }

    private Envelope envelope(List<Integer> batch) {
        List<String> rcpts = new ArrayList<>(batch.size());
        for (int i : batch) rcpts.add(d.recipients().get(i));
        return new Envelope(d.mailFrom(), rcpts, d.dsn());
    }

    private void record(MxRoute route, List<Integer> batch, TransactionResult r) {
        Set<Integer> noRoom = new HashSet<>(r.noRoom());
        boolean progress = noRoom.size() < batch.size();
        List<Integer> carry = new ArrayList<>();
        List<String> ok = new ArrayList<>();
        for (int j = 0; j < batch.size(); j++) {
            int i = batch.get(j);
            String address = d.recipients().get(i);
            SmtpReply reply = r.replies().get(j);
            if (noRoom.contains(j)) {
                if (progress) carry.add(i);
                else results[i] = new RecipientResult(address, RecipientResult.Status.DEFERRED, reply.code(), reply.enhancedCode(), reply.text());
                continue;
            }
            results[i] = RecipientResult.of(address, reply.code(), reply.enhancedCode(), reply.text());
            if (results[i].status() == RecipientResult.Status.DELIVERED) ok.add(address);
        }
        putBack(carry);
        if (!carry.isEmpty()) log.debug("Message {}: {} recipients had no room at {}; next transaction", d.id(), carry.size(), r.target());
        if (reached == null || !ok.isEmpty() || !reachedDelivered) {
            reached = r;
            reachedRoute = route;
            reachedDelivered |= !ok.isEmpty();
        }
    }

    private DeliveryResult result() {
        RecipientResult leftover = null;
        List<RecipientResult> out = new ArrayList<>(results.length);
        for (int i = 0; i < results.length; i++) {
            RecipientResult r = results[i];
            if (r == null) {
                if (leftover == null) leftover = leftover();
                r = new RecipientResult(d.recipients().get(i), leftover.status(), leftover.code(), leftover.enhancedCode(), leftover.response());
            }
            out.add(r);
        }
        if (reached == null) return new DeliveryResult(out, null, null, 0, null, false, null, false, tls.label());
        Target t = reached.target();
        return new DeliveryResult(out, reachedRoute.exchange(), t.ip().getHostAddress(), t.port(), t.mode(), reached.tls(), null,
                reached.dsnPassedOn(), tls.label());
    }

    /** The result of recipients that no server decided. */
    private RecipientResult leftover() {
        if (tried == 0 && privateRefused > 0 && privateRefused == seen && lastLocal == null) {
            String text = "refusing to deliver to " + privateExample
                    + (privateRefused > 1 ? " and " + (privateRefused - 1) + " more non-public addresses" : "")
                    + ": not a public address (outbound.allow_private is false)";
            return new RecipientResult("", RecipientResult.Status.BOUNCED, 550, "5.4.4", text);
        }
        int code = 0;
        String enhanced = "4.4.1";
        String text;
        if (lastFailure != null) {
            SmtpReply reply = lastFailure.reply();
            if (reply.isTransient()) {
                code = reply.code();
                if (reply.enhancedCode() != null) enhanced = reply.enhancedCode();
            } else if (reply.code() == 0 && reply.enhancedCode() != null) {
                enhanced = reply.enhancedCode();
            }
            text = lastFailure.getMessage();
        } else {
            enhanced = "4.4.4";
            text = lastLocal != null ? lastLocal : "no MX host with an address for " + d.domain();
        }
        if (tried > 1) text = text + " (tried " + tried + " addresses)";
        if (privateRefused > 0) text = text + "; skipped " + privateRefused + " non-public addresses such as " + privateExample;
        if (deadline.passed()) {
            if (!text.contains(deadline.describe())) text = deadline.describe() + " reached; " + text;
            code = 0;
            enhanced = "4.4.7";
        } else if (stoppedBy != null) {
            text = text + "; " + stoppedBy;
        }
        return new RecipientResult("", RecipientResult.Status.DEFERRED, code, enhanced, text);
    }

    static Target target(MxRoute route, InetAddress ip, DeliverySettings s) {
        return target(route, ip, s, new TlsPolicy(s.tlsPolicy(), "tls.policy", null));
    }

    static Target target(MxRoute route, InetAddress ip, DeliverySettings s, TlsPolicy tls) {
        InetAddress bind = route.bind() != null ? DeliverySettings.ipLiteral(route.bind()) : s.bind();
        return new Target(route.exchange(), ip, route.portOr(s.smtpPort()), route.usingLmtp(), bind, tls.level() != dev.outflow.core.tls.TlsLevel.NONE, tls.level());
    }
}

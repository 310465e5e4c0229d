package dev.outflow.core.delivery;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.delivery.internal.HopCount;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.MxAnswer;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.mx.MxHost;
import dev.outflow.core.mx.MxLookup;
import dev.outflow.core.mx.MxLookupResult;
import dev.outflow.core.smtp.Deadline;
import dev.outflow.core.smtp.SmtpClient;
import dev.outflow.core.mx.internal.DnsResolvers;
import dev.outflow.core.tls.MtaSts;
import dev.outflow.core.tls.TlsPolicies;
import dev.outflow.core.tls.TlsPolicy;
import dev.outflow.core.tls.TlsPolicyMap;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one {@link Delivery}: the chain loop check → send_email hook → routes (get_mx hook,
 * else DNS) → each MX in order and each of its addresses in order → SMTP/LMTP transactions of at
 * most {@code outbound.recipient_limit} recipients → a result per recipient. Retry timing, DSNs
 * and the delivered hook are not its business: it only reports. The delivered hook runs once the
 * outcome is durable, called by whoever publishes it (the worker, after its transaction commits,
 * with {@link dev.outflow.core.disposition.DispositionPlan#deliveredHookParams()}).
 *
 * <p>A message with more {@code Received:} headers than {@code outbound.hop_limit} bounces with
 * 554 5.4.6 (mail loop) before any hook or connection.
 *
 * <p>Moving on to the next address or MX happens only when a host could not take part at all:
 * connection refused or timed out, a greeting other than 2xx (421 included), EHLO and HELO
 * refused, a protocol error before MAIL (such as a reply beyond the reader's bounds), a failed
 * STARTTLS handshake followed by a failed plaintext retry, a 421 to MAIL, or a connection lost
 * before the MAIL reply. Once a server answered MAIL, its replies are the result (as in Haraka):
 * a recipient it deferred is not offered to the next MX in the same attempt (except a 452 "no
 * room", see {@link Attempt}). When every host fails, all recipients are deferred with the last
 * host's error ({@code 4.4.1}-style). TLS policy ({@code tls.policy}, {@code tls.policy_map},
 * MTA-STS) is decided once per attempt for the domain, see {@link TlsPolicies}. The bounds of one attempt (total time, addresses, sessions,
 * private addresses) are described in {@link Attempt}.
 *
 * <p>Thread-safe; blocking, meant for one virtual thread per delivery.
 */
public final class Deliverer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Deliverer.class);

    private final Supplier<Config> config;
    private final PluginChain plugins;
    private final MxLookup mx;
    private final SmtpClient client;
    private final boolean ownsClient;
    private final Clock clock;
    private volatile Config lastConfig;
    private volatile DeliverySettings lastSettings;
    private volatile CancelCheck cancels = CancelCheck.NONE;
    private volatile TlsPolicies lastTls;
    private volatile DeliverySettings lastTlsSettings;
    private TlsPolicyMap policyMap;
    private MtaSts mtaSts;

    /** A deliverer with its own connection pool, sized from the current config. */
    public Deliverer(Supplier<Config> config, PluginChain plugins, MxLookup mx, Clock clock) {
        this(config, plugins, mx, newClient(DeliverySettings.from(config.get()), clock), true, clock);
    }

    /** A deliverer on a shared client; {@link #close()} leaves the client open. */
    public Deliverer(Supplier<Config> config, PluginChain plugins, MxLookup mx, SmtpClient client, Clock clock) {
        this(config, plugins, mx, client, false, clock);
    }

    private Deliverer(Supplier<Config> config, PluginChain plugins, MxLookup mx, SmtpClient client, boolean owns, Clock clock) {
        this.config = config;
        this.plugins = plugins;
        this.mx = mx;
        this.client = client;
        this.ownsClient = owns;
        this.clock = clock;
    }

    /** Operator cancellations, asked before each attempt (default: none). */
    public Deliverer cancellations(CancelCheck check) {
        this.cancels = java.util.Objects.requireNonNull(check);
        return this;
    }

    private static SmtpClient newClient(DeliverySettings s, Clock clock) {
        return new SmtpClient(s.poolIdle(), s.poolMaxMessages(), clock);
    }

    /**
     * Delivers once and reports a result per recipient, in the order of {@code d.recipients()}.
     * Never throws for delivery problems; an unexpected error (a bug) defers every recipient with
     * 4.3.0 and is logged, so the message is retried rather than lost.
     */
    public DeliveryResult deliver(Delivery d) {
        try {
            return attempt(d);
        } catch (RuntimeException e) {
            log.error("Delivery of {} to {} failed unexpectedly; deferring", d.id(), d.domain(), e);
            return DeliveryResult.all(d.recipients(), 451, "4.3.0", "internal error: " + e);
        }
    }

    private DeliveryResult attempt(Delivery d) {
        String cancelled = cancels.cancelled(d);
        if (cancelled != null) return DeliveryResult.cancelled(d.recipients(), cancelled);
        DeliverySettings s = settings();
        Deadline deadline = Deadline.after(s.limits().transactionTimeout(), OutflowKeys.TRANSACTION_TIMEOUT.name());
        int hops = HopCount.of(d.contents());
        if (hops > s.hopLimit()) {
            return DeliveryResult.all(d.recipients(), 554, "5.4.6", "mail loop: the message has " + hops
                    + " Received headers, more than outbound.hop_limit (" + s.hopLimit() + ")");
        }
        MessageView view = d.view();
        HookResult hook = plugins.sendEmail(view);
        if (hook.code() == HookResult.Code.DELAY) return DeliveryResult.delayed(d.recipients(), hook.delay());

        MxAnswer answer = plugins.getMx(view, d.domain());
        MxLookupResult found = routes(answer, d);
        if (found instanceof MxLookupResult.Failed f) return lookupFailed(d, f);
        List<MxHost> hosts = ((MxLookupResult.Found) found).hosts();
        boolean fromHook = answer.code() == HookResult.Code.OK && !answer.routes().isEmpty();
        TlsPolicy tls = tlsPolicies(s).forDomain(d.domain());
        return new Attempt(d, s, client, deadline, fromHook, tls).run(hosts);
    }

    /** The policy map and MTA-STS cache live as long as the deliverer; the default level follows the hot config. */
    private TlsPolicies tlsPolicies(DeliverySettings s) {
        TlsPolicies p = lastTls;
        if (p != null && lastTlsSettings == s) return p;
        synchronized (this) {
            Config c = config.get();
            if (policyMap == null) policyMap = new TlsPolicyMap(c.get(OutflowKeys.TLS_POLICY_MAP));
            if (mtaSts == null && c.get(OutflowKeys.MTA_STS_ENABLED)) {
                mtaSts = new MtaSts(DnsResolvers.create(c.get(OutflowKeys.DNS_SERVERS), c.get(OutflowKeys.DNS_TIMEOUT)),
                        s.session().trustOrSystem(), c.get(OutflowKeys.MTA_STS_HTTPS_PORT), c.get(OutflowKeys.MTA_STS_FETCH_TIMEOUT), clock);
            }
            p = new TlsPolicies(s.tlsPolicy(), policyMap, mtaSts);
            lastTls = p;
            lastTlsSettings = s;
            return p;
        }
    }

    private MxLookupResult routes(MxAnswer answer, Delivery d) {
        return switch (answer.code()) {
            case CONT -> mx.lookup(d.domain());
            case DENY, DENYDISCONNECT -> new MxLookupResult.Failed(true, 550, "5.4.4", hookText(answer));
            case DENYSOFT -> new MxLookupResult.Failed(false, 450, "4.4.4", hookText(answer));
            default -> answer.routes().isEmpty() ? mx.lookup(d.domain()) : mx.resolve(answer.routes());
        };
    }

    private static String hookText(MxAnswer a) {
        return a.message() == null ? "get_mx hook said " + a.code() : a.message();
    }

    private static DeliveryResult lookupFailed(Delivery d, MxLookupResult.Failed f) {
        int code = f.code();
        if (f.permanent() && code < 500) code = 550;
        if (!f.permanent() && (code < 400 || code >= 500)) code = 451;
        return DeliveryResult.all(d.recipients(), code, f.enhancedCode(), f.message());
    }

    private DeliverySettings settings() {
        Config c = config.get();
        DeliverySettings s = lastSettings;
        if (c != lastConfig || s == null) {
            s = DeliverySettings.from(c);
            lastSettings = s;
            lastConfig = c;
        }
        return s;
    }

    /** The SMTP client (connection pool) this deliverer uses. */
    public SmtpClient client() {
        return client;
    }

    /** Closes the connection pool when this deliverer created it. */
    @Override
    public void close() {
        if (ownsClient) client.close();
    }
}

package dev.outflow.core.delivery;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.Delivered;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.MxAnswer;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.mx.MxHost;
import dev.outflow.core.mx.MxLookup;
import dev.outflow.core.mx.MxLookupResult;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.core.smtp.Envelope;
import dev.outflow.core.smtp.HostFailure;
import dev.outflow.core.smtp.MailContent;
import dev.outflow.core.smtp.SmtpClient;
import dev.outflow.core.smtp.SmtpReply;
import dev.outflow.core.smtp.Target;
import dev.outflow.core.smtp.TransactionResult;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one {@link Delivery}: the chain send_email hook → routes (get_mx hook, else DNS) → each
 * MX in order and each of its addresses in order → SMTP/LMTP transaction → a result per recipient
 * → delivered hook. Retry timing and DSNs are not its business: it only reports.
 *
 * <p>Moving on to the next address or MX happens only when a host could not take part at all:
 * connection refused or timed out, a greeting other than 2xx (421 included), EHLO and HELO
 * refused, a failed STARTTLS handshake followed by a failed plaintext retry, a 421 to MAIL, or a
 * connection lost before the MAIL reply. Once a server answered MAIL, its replies are the result
 * (as in Haraka): a recipient it deferred is not offered to the next MX in the same attempt. When
 * every host fails, all recipients are deferred with the last host's error ({@code 4.4.1}-style).
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
        DeliverySettings s = settings();
        MessageView view = d.view();
        HookResult hook = plugins.sendEmail(view);
        if (hook.code() == HookResult.Code.DELAY) return DeliveryResult.delayed(d.recipients(), hook.delay());

        MxLookupResult found = routes(view, d);
        if (found instanceof MxLookupResult.Failed f) return lookupFailed(d, f);
        List<MxHost> hosts = ((MxLookupResult.Found) found).hosts();

        Envelope envelope = new Envelope(d.mailFrom(), d.recipients(), d.dsn());
        MailContent content = MailContent.of(d.contents());
        HostFailure last = null;
        String lastLocal = "no MX host with an address for " + d.domain();
        int tried = 0;
        for (MxHost host : hosts) {
            if (host.addresses().isEmpty()) {
                lastLocal = "MX " + host.route().exchange() + " has no address";
                continue;
            }
            for (InetAddress ip : host.addresses()) {
                Target target;
                try {
                    target = target(host.route(), ip, s);
                } catch (IllegalArgumentException e) {
                    lastLocal = "bad route " + host.route() + ": " + e.getMessage();
                    continue;
                }
                tried++;
                try {
                    return delivered(d, view, host.route(), client.send(target, s.session(), envelope, content));
                } catch (HostFailure f) {
                    log.debug("Message {}: {}", d.id(), f.getMessage());
                    last = f;
                    lastLocal = null;
                }
            }
        }
        return allHostsFailed(d, last, lastLocal, tried);
    }

    private MxLookupResult routes(MessageView view, Delivery d) {
        MxAnswer answer = plugins.getMx(view, d.domain());
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

    private static Target target(MxRoute route, InetAddress ip, DeliverySettings s) {
        InetAddress bind = route.bind() != null ? DeliverySettings.ipLiteral(route.bind()) : s.bind();
        return new Target(route.exchange(), ip, route.portOr(s.smtpPort()), route.usingLmtp(), bind, s.enableTls());
    }

    private DeliveryResult delivered(Delivery d, MessageView view, MxRoute route, TransactionResult r) {
        List<RecipientResult> results = new ArrayList<>(r.replies().size());
        List<String> ok = new ArrayList<>();
        for (int i = 0; i < r.replies().size(); i++) {
            SmtpReply reply = r.replies().get(i);
            String address = d.recipients().get(i);
            RecipientResult rr = RecipientResult.of(address, reply.code(), reply.enhancedCode(), reply.text());
            results.add(rr);
            if (rr.status() == RecipientResult.Status.DELIVERED) ok.add(address);
        }
        Target t = r.target();
        String ip = t.ip().getHostAddress();
        if (!ok.isEmpty()) {
            Duration delay = Duration.between(d.queuedAt(), clock.instant());
            plugins.delivered(view, new Delivered(route.exchange(), ip, r.response().response(), delay, t.port(), t.mode(), ok));
        }
        return new DeliveryResult(results, route.exchange(), ip, t.port(), t.mode(), r.tls(), null, r.dsnPassedOn());
    }

    private static DeliveryResult allHostsFailed(Delivery d, HostFailure last, String lastLocal, int tried) {
        List<RecipientResult> results = new ArrayList<>(d.recipients().size());
        int code = 0;
        String enhanced = "4.4.1";
        String text = lastLocal;
        if (last != null) {
            SmtpReply reply = last.reply();
            if (reply.isTransient()) {
                code = reply.code();
                if (reply.enhancedCode() != null) enhanced = reply.enhancedCode();
            } else if (reply.code() == 0 && reply.enhancedCode() != null) {
                enhanced = reply.enhancedCode();
            }
            text = last.getMessage();
        } else {
            enhanced = "4.4.4";
        }
        if (tried > 1) text = text + " (tried " + tried + " addresses)";
        for (String r : d.recipients()) results.add(new RecipientResult(r, RecipientResult.Status.DEFERRED, code, enhanced, text));
        return new DeliveryResult(results, null, null, 0, null, false, null);
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

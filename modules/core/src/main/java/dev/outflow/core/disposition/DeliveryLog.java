package dev.outflow.core.disposition;

import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per recipient and outcome, the way operators read Postfix's maillog:
 * <pre>
 * 01JF3Q…: to=&lt;bob@example.org&gt;, relay=mx.example.org[192.0.2.7]:25, delay=1.4s, attempt=1, dsn=2.0.0, status=delivered, tls=yes, tls_policy=may (250 2.0.0 Ok: queued as 4XYZ)
 * 01JF3Q…: to=&lt;ann@example.net&gt;, relay=none, delay=3.0s, attempt=2, dsn=4.4.3, status=deferred, tls=no, retry in 2m08s (DNS lookup timed out)
 * </pre>
 * Logged on the logger {@code outflow.delivery} at INFO, so a logging configuration can route it to
 * its own file; {@code log.deliveries=false} turns it off. Stateless, thread-safe.
 */
public final class DeliveryLog {
    /** The logger name, for logback configurations that send these lines elsewhere. */
    public static final String LOGGER = "outflow.delivery";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private static final Pattern LINE_BREAKS = Pattern.compile("[\\r\\n]+");

    private final BooleanSupplier enabled;

    public DeliveryLog(BooleanSupplier enabled) {
        this.enabled = enabled;
    }

    /** Logs every recipient of a decided attempt. */
    public void record(DispositionPlan plan) {
        if (!enabled.getAsBoolean() || !log.isInfoEnabled()) return;
        for (String line : lines(plan)) log.info(line);
    }

    /** The lines {@link #record} logs, in recipient order of outcome: delivered, deferred, dropped, bounced. */
    public static List<String> lines(DispositionPlan plan) {
        List<String> out = new java.util.ArrayList<>();
        Delivery d = plan.delivery();
        DeliveryResult r = plan.result();
        long delayMs = d.queuedAt() == null ? 0 : Math.max(0, plan.at().toEpochMilli() - d.queuedAt().toEpochMilli());
        for (RecipientResult rr : plan.delivered()) out.add(line(d, r, rr, delayMs, "delivered", null));
        plan.deferred().ifPresent(f -> {
            String next = "retry in " + human(f.delay());
            for (RecipientResult rr : f.recipients()) out.add(line(d, r, rr, delayMs, "deferred", next));
        });
        for (RecipientResult rr : plan.dropped()) out.add(line(d, r, rr, delayMs, "dropped", "by the deferred hook"));
        plan.bounced().ifPresent(b -> {
            String dsn = b.dsn().isPresent() ? "DSN " + b.dsn().get().id() : "no DSN" + (b.noDsnReason() == null ? "" : ": " + b.noDsnReason());
            for (RecipientResult rr : b.recipients()) out.add(line(d, r, rr, delayMs, "bounced", dsn));
        });
        return out;
    }

    private static String line(Delivery d, DeliveryResult r, RecipientResult rr, long delayMs, String status, String extra) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(d.id()).append(": to=<").append(rr.address()).append(">, relay=");
        if (r.host() == null && r.ip() == null) sb.append("none");
        else sb.append(r.host() == null ? r.ip() : r.host()).append('[').append(r.ip() == null ? "" : r.ip()).append("]:").append(r.port());
        if (r.mode() != null && !"SMTP".equals(r.mode())) sb.append(" (").append(r.mode()).append(')');
        sb.append(", delay=");
        seconds(sb, delayMs);
        sb.append(", attempt=").append(d.attempt() + 1);
        sb.append(", dsn=").append(rr.enhancedCode() == null ? defaultDsn(rr) : rr.enhancedCode());
        sb.append(", status=").append(status).append(", tls=").append(r.tls() ? "yes" : "no");
        if (r.tlsPolicy() != null) sb.append(", tls_policy=").append(r.tlsPolicy());
        if (extra != null) sb.append(", ").append(extra);
        String reply = rr.diagnostic();
        if (reply.indexOf('\r') >= 0 || reply.indexOf('\n') >= 0) reply = LINE_BREAKS.matcher(reply).replaceAll(" ");
        if (!reply.isEmpty()) sb.append(" (").append(reply.length() > 500 ? reply.substring(0, 500) + "…" : reply).append(')');
        return sb.toString();
    }

    /** Milliseconds as seconds with one decimal, as {@code %.1fs} prints them, without a Formatter per line. */
    static StringBuilder seconds(StringBuilder sb, long ms) {
        long tenths = Math.round(ms / 100.0);
        return sb.append(tenths / 10).append('.').append(tenths % 10).append('s');
    }

    private static String defaultDsn(RecipientResult rr) {
        return switch (rr.status()) {
            case DELIVERED -> "2.0.0";
            case DEFERRED -> "4.0.0";
            case BOUNCED -> "5.0.0";
        };
    }

    private static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}

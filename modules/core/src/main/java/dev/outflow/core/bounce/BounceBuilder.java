package dev.outflow.core.bounce;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DsnRequest;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.dkim.DkimException;
import dev.outflow.core.dkim.DkimSigner;
import dev.outflow.core.hooks.BounceError;
import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.angus.mail.dsn.DeliveryStatus;
import org.eclipse.angus.mail.dsn.MultipartReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the delivery status notification (RFC 3464) that tells a sender some recipients failed,
 * and the {@link Delivery} that queues it. Thread-safe; no I/O except reading the template file.
 *
 * <h2>The message</h2>
 * <pre>
 * From: MAILER-DAEMON@&lt;me&gt;            To: &lt;original sender&gt;
 * Subject: (template, else "Undelivered Mail Returned to Sender")
 * Date, Message-ID &lt;new id@me&gt;, Auto-Submitted: auto-replied, In-Reply-To/References: original Message-ID
 * Content-Type: multipart/report; report-type=delivery-status
 *   1. text/plain       the {@link BounceTemplate} filled in
 *   2. message/delivery-status
 *        Reporting-MTA: dns; &lt;me&gt;        Arrival-Date: &lt;queuedAt&gt;
 *        then per failed recipient: Final-Recipient: rfc822; addr, Action: failed, Status,
 *        Remote-MTA: dns; host (when one answered), Diagnostic-Code, Last-Attempt-Date
 *   3. message/rfc822 the original, or text/rfc822-headers (its header only) when the original
 *      plus the report would exceed {@code outbound.max_message_bytes}
 * </pre>
 * Recipients come from the {@link BounceError}: {@code bouncedRcpt} (permanent failures now) and
 * {@code deferredRcpt} (temporary failures whose retries ran out). {@code Status} rules are in
 * {@code DsnFields.status}: bounced keeps the server's 5.x.y ({@code 5.0.0} if none); expired
 * keeps the last temporary 4.x.y ({@code 4.4.7} "delivery time expired" if none). Template
 * placeholders: {@code {to}} = first failed recipient, {@code {from}} = original sender,
 * {@code {msgid}} = original Outflow id, {@code {reason}} = the BounceError message,
 * {@code {date}} = now.
 *
 * <p>A template's header block may set {@code Subject}, {@code From}, {@code To} and add other
 * fields (e.g. Haraka's {@code Received}); it cannot change {@code Message-ID}, {@code Date},
 * {@code Auto-Submitted}, {@code MIME-Version} or {@code Content-*}, which keep the DSN sound.
 *
 * <h2>The queued Delivery</h2>
 * New id; {@code mailFrom} "" (null sender: a DSN never bounces); recipients = [original sender];
 * domain = sender's domain as lower-case A-label; {@code bounceOf} = original id; attempt 0;
 * {@code contents} = the DSN bytes with CRLF line ends.
 */
public final class BounceBuilder {
    private static final Logger log = LoggerFactory.getLogger(BounceBuilder.class);
    /** allowutf8: an SMTPUTF8 sender's address goes into To: as UTF-8 rather than mangled. */
    private static final Session SESSION = Session.getInstance(props("mail.mime.allowutf8", "true"));
    private static final Set<String> FIXED_HEADERS = Set.of("message-id", "date", "auto-submitted", "mime-version");
    /** Room kept for part 1 and 2 and the headers when deciding whether the original fits. */
    private static final int REPORT_OVERHEAD = 16 * 1024;

    private final String me;
    private final long maxMessageBytes;
    private final BounceTemplate template;
    private final Clock clock;
    private final Supplier<String> ids;
    private final DkimSigner dkim;

    /**
     * @param me              host name for From, Reporting-MTA and Message-ID
     * @param maxMessageBytes largest DSN; a bigger original is returned as headers only
     * @param template        the human-readable part
     * @param clock           for {@link #build(Delivery, BounceError)}
     * @param ids             new message ids for DSNs
     */
    public BounceBuilder(String me, long maxMessageBytes, BounceTemplate template, Clock clock, Supplier<String> ids) {
        this(me, maxMessageBytes, template, clock, ids, null);
    }

    /**
     * @param dkim signs each DSN with the keys of its From domain, else of {@code me} or its
     *             closest parent domain that has keys; null: DSNs are not signed
     */
    public BounceBuilder(String me, long maxMessageBytes, BounceTemplate template, Clock clock, Supplier<String> ids, DkimSigner dkim) {
        this.dkim = dkim;
        this.me = Objects.requireNonNull(me);
        if (maxMessageBytes <= 0) throw new IllegalArgumentException("maxMessageBytes must be more than 0");
        this.maxMessageBytes = maxMessageBytes;
        this.template = Objects.requireNonNull(template);
        this.clock = Objects.requireNonNull(clock);
        this.ids = Objects.requireNonNull(ids);
    }

    /** Random UUID ids. */
    public BounceBuilder(String me, long maxMessageBytes, BounceTemplate template, Clock clock) {
        this(me, maxMessageBytes, template, clock, () -> UUID.randomUUID().toString());
    }

    /**
     * From {@code me}, {@code outbound.max_message_bytes}, the {@code outbound.bounce_message} file
     * and the DKIM keys.
     *
     * @throws dev.outflow.core.config.ConfigException when a DKIM key cannot be used
     */
    public static BounceBuilder fromConfig(Config config, Clock clock) {
        return new BounceBuilder(config.me(), config.get(OutflowKeys.MAX_MESSAGE_BYTES),
                BounceTemplate.fromFile(config.get(OutflowKeys.BOUNCE_MESSAGE)), clock, () -> UUID.randomUUID().toString(),
                DkimSigner.fromConfig(config, clock));
    }

    /** A DSN that cannot be signed still goes out: the sender needs to learn of the failure more than a receiver needs the signature. */
    private byte[] sign(byte[] dsn, String id) {
        if (dkim == null) return dsn;
        try {
            return dkim.sign(dsn, me);
        } catch (DkimException e) {
            log.warn("DSN {} goes out unsigned: {}", id, e.getMessage());
            return dsn;
        }
    }

    /** {@link #build(Delivery, BounceError, Instant)} at the clock's now. */
    public Delivery build(Delivery original, BounceError error) {
        return build(original, error, clock.instant());
    }

    /**
     * Builds the DSN for the failed recipients of {@code error} and the Delivery that queues it.
     *
     * @throws IllegalArgumentException when the original is bounce-exempt (null sender or itself a
     *         DSN), there is no failed recipient, or the sender has no valid domain
     */
    public Delivery build(Delivery original, BounceError error, Instant now) {
        if (original.isBounceExempt()) {
            throw new IllegalArgumentException("no DSN for " + original.id() + ": null sender or itself a DSN");
        }
        if (error.bouncedRcpt().isEmpty() && error.deferredRcpt().isEmpty()) {
            throw new IllegalArgumentException("no failed recipient to report for " + original.id());
        }
        String domain = DsnFields.senderDomain(original.mailFrom());
        String id = ids.get();
        try {
            boolean whole = original.contents().length + REPORT_OVERHEAD <= maxMessageBytes && (original.dsn() == null || !original.dsn().headersOnly());
            byte[] dsn = write(original, error, now, id, whole);
            if (dsn.length > maxMessageBytes) dsn = write(original, error, now, id, false);
            dsn = sign(dsn, id);
            return new Delivery(id, "", List.of(original.mailFrom()), domain, dsn, now, 0, Map.of(), original.id(), null);
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot build DSN for " + original.id() + ": " + e.getMessage(), e);
        }
    }

    private byte[] write(Delivery original, BounceError error, Instant now, String id, boolean wholeOriginal)
            throws MessagingException {
        ZoneId zone = clock.getZone();
        InternetHeaders originalHeaders = new InternetHeaders(new ByteArrayInputStream(original.contents()), true);
        BounceTemplate.Rendered text = template.render(values(original, error, now, zone, originalHeaders));

        MultipartReport report = new MultipartReport("", deliveryStatus(original, error, now, zone), new InternetHeaders());
        report.setTextBodyPart(textPart(text.body()));
        report.getBodyPart(2).setDataHandler(returned(original.contents(), wholeOriginal));
        if (has8bit(original.contents(), wholeOriginal)) {
            // message/rfc822 may not be base64-encoded (RFC 2046 5.2.1), and the original is returned as is: declare 8bit
            report.getBodyPart(2).setHeader("Content-Transfer-Encoding", "8bit");
        }
        if (!wholeOriginal) report.getBodyPart(2).setHeader("Content-Description", "Undelivered Message Headers");

        MimeMessage dsn = new FixedIdMessage(SESSION, "<" + id + "@" + me + ">");
        dsn.setHeader("Date", DsnFields.date(now, zone));
        dsn.setHeader("From", "MAILER-DAEMON@" + me);
        dsn.setHeader("To", original.mailFrom());
        dsn.setSubject("Undelivered Mail Returned to Sender", "UTF-8");
        dsn.setHeader("Auto-Submitted", "auto-replied");
        String originalId = originalHeaders.getHeader("Message-ID", null);
        if (originalId != null && !originalId.isBlank()) {
            String ref = DsnFields.oneLine(MimeUtility.unfold(originalId), 900);
            dsn.setHeader("In-Reply-To", ref);
            dsn.setHeader("References", ref);
        }
        applyTemplateHeaders(dsn, text.headers());
        dsn.setContent(report);
        dsn.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream(original.contents().length + REPORT_OVERHEAD);
        try {
            dsn.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private DeliveryStatus deliveryStatus(Delivery original, BounceError error, Instant now, ZoneId zone)
            throws MessagingException {
        DeliveryStatus ds = new DeliveryStatus();
        ds.setMessageDSN(perMessage(original, zone));
        String remote = error.mx() == null ? null : error.mx().exchange();
        String lastAttempt = DsnFields.date(now, zone);
        for (RecipientResult r : error.bouncedRcpt()) {
            ds.addRecipientDSN(recipient(original, r, "failed", DsnFields.status(r, false), remote, lastAttempt));
        }
        for (RecipientResult r : error.deferredRcpt()) {
            ds.addRecipientDSN(recipient(original, r, "failed", DsnFields.status(r, true), remote, lastAttempt));
        }
        return ds;
    }

    private InternetHeaders perMessage(Delivery original, ZoneId zone) throws MessagingException {
        StringBuilder perMessage = new StringBuilder();
        if (original.dsn() != null && original.dsn().envid() != null) {
            field(perMessage, "Original-Envelope-Id", DsnFields.oneLine(DsnRequest.decodeXtext(original.dsn().envid()), 100));
        }
        field(perMessage, "Reporting-MTA", "dns; " + me);
        if (original.queuedAt() != null) field(perMessage, "Arrival-Date", DsnFields.date(original.queuedAt(), zone));
        return fields(perMessage);
    }

    private static InternetHeaders recipient(Delivery original, RecipientResult r, String action, String status, String remote,
                                             String lastAttempt) throws MessagingException {
        StringBuilder h = new StringBuilder(256);
        DsnRequest.Recipient given = original.dsn() == null ? null : original.dsn().recipients().get(r.address());
        if (given != null && given.orcpt() != null) {
            String o = given.orcpt();
            int semi = o.indexOf(';');
            field(h, "Original-Recipient", o.substring(0, semi) + "; " + DsnFields.oneLine(DsnRequest.decodeXtext(o.substring(semi + 1)), 500));
        }
        field(h, "Final-Recipient", "rfc822; " + r.address());
        field(h, "Action", action);
        field(h, "Status", status);
        if (remote != null && r.code() > 0) field(h, "Remote-MTA", "dns; " + remote);
        if (r.code() > 0 || !action.equals("relayed")) field(h, "Diagnostic-Code", DsnFields.diagnostic(r));
        field(h, "Last-Attempt-Date", lastAttempt);
        return fields(h);
    }

    /** The notices of RFC 3461 besides failures; their report returns the original's header section only. */
    public enum Notice {
        /** Still trying (NOTIFY=DELAY, after {@code outbound.delay_warning}). */
        DELAYED("delayed", "Delivery Status Notification (Delay)",
                "This is the mail system at host {me}.\n\nYour message has not been delivered yet to:\n{recipients}\n\n"
                        + "Delivery is still being attempted; you do not need to resend it. You will be told if it fails for good."),
        /** Handed to a server that does not offer DSN (NOTIFY=SUCCESS): no further notice will come. */
        RELAYED("relayed", "Delivery Status Notification (Relayed)",
                "This is the mail system at host {me}.\n\nYour message was relayed to:\n{recipients}\n\n"
                        + "The receiving server does not offer delivery notifications, so no further notice will come."),
        /** Delivered into the mailbox (LMTP) (NOTIFY=SUCCESS). */
        DELIVERED("delivered", "Delivery Status Notification (Success)",
                "This is the mail system at host {me}.\n\nYour message was delivered to:\n{recipients}");

        private final String action;
        private final String subject;
        private final String text;

        Notice(String action, String subject, String text) {
            this.action = action;
            this.subject = subject;
            this.text = text;
        }
    }

    /**
     * A DSN that is not about a failure: delayed, relayed or delivered recipients.
     *
     * @param remote the MX host that answered, or null
     * @throws IllegalArgumentException when the original is bounce-exempt or {@code rcpts} is empty
     */
    public Delivery notice(Delivery original, Notice kind, List<RecipientResult> rcpts, String remote, Instant now) {
        if (original.isBounceExempt()) throw new IllegalArgumentException("no DSN for " + original.id() + ": null sender or itself a DSN");
        if (rcpts.isEmpty()) throw new IllegalArgumentException("no recipient to report for " + original.id());
        String id = ids.get();
        ZoneId zone = clock.getZone();
        try {
            DeliveryStatus ds = new DeliveryStatus();
            ds.setMessageDSN(perMessage(original, zone));
            String lastAttempt = DsnFields.date(now, zone);
            for (RecipientResult r : rcpts) {
                String status = DsnFields.isEnhanced(r.enhancedCode()) ? r.enhancedCode() : kind == Notice.DELAYED ? "4.0.0" : "2.0.0";
                ds.addRecipientDSN(recipient(original, r, kind.action, status, remote, lastAttempt));
            }
            MultipartReport report = new MultipartReport("", ds, new InternetHeaders());
            String list = String.join("\n", rcpts.stream().map(r -> "  <" + r.address() + ">").toList());
            report.setTextBodyPart(textPart(kind.text.replace("{me}", me).replace("{recipients}", list) + "\n"));
            report.getBodyPart(2).setDataHandler(returned(original.contents(), false));
            if (has8bit(original.contents(), false)) report.getBodyPart(2).setHeader("Content-Transfer-Encoding", "8bit");
            MimeMessage dsn = new FixedIdMessage(SESSION, "<" + id + "@" + me + ">");
            dsn.setHeader("Date", DsnFields.date(now, zone));
            dsn.setHeader("From", "MAILER-DAEMON@" + me);
            dsn.setHeader("To", original.mailFrom());
            dsn.setSubject(kind.subject, "UTF-8");
            dsn.setHeader("Auto-Submitted", "auto-replied");
            dsn.setContent(report);
            dsn.saveChanges();
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
            dsn.writeTo(out);
            byte[] bytes = sign(out.toByteArray(), id);
            return new Delivery(id, "", List.of(original.mailFrom()), DsnFields.senderDomain(original.mailFrom()), bytes, now, 0, Map.of(),
                    original.id(), null);
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("cannot build the " + kind.action + " DSN for " + original.id() + ": " + e.getMessage(), e);
        }
    }

    private static void field(StringBuilder sb, String name, String value) {
        sb.append(name).append(": ").append(MimeUtility.fold(name.length() + 2, value)).append("\r\n");
    }

    /**
     * Parsed from text rather than built with {@code new InternetHeaders()}, whose placeholder list
     * (it has a {@code Status} slot for mbox files) would reorder the fields.
     */
    private static InternetHeaders fields(StringBuilder text) throws MessagingException {
        text.append("\r\n");
        return new InternetHeaders(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private Map<String, String> values(Delivery original, BounceError error, Instant now, ZoneId zone, InternetHeaders headers) {
        List<RecipientResult> failed = new ArrayList<>(error.bouncedRcpt());
        failed.addAll(error.deferredRcpt());
        StringBuilder extended = new StringBuilder();
        for (RecipientResult r : failed) {
            if (!extended.isEmpty()) extended.append('\n');
            extended.append("  <").append(r.address()).append(">: ").append(DsnFields.oneLine(r.diagnostic(), 900));
        }
        Map<String, String> v = new HashMap<>();
        v.put("pid", Long.toString(ProcessHandle.current().pid()));
        v.put("date", DsnFields.date(now, zone));
        v.put("me", me);
        v.put("from", original.mailFrom());
        v.put("msgid", original.id());
        v.put("to", failed.getFirst().address());
        v.put("reason", DsnFields.oneLine(error.message(), 900));
        v.put("recipients", String.join(", ", failed.stream().map(RecipientResult::address).toList()));
        v.put("extended_reason", extended.toString());
        v.put("subject", subject(headers));
        return v;
    }

    private static String subject(InternetHeaders headers) {
        String s = headers.getHeader("Subject", null);
        if (s == null) return "";
        try {
            s = MimeUtility.decodeText(MimeUtility.unfold(s));
        } catch (UnsupportedEncodingException e) {
            // unknown charset: show it as written
        }
        return DsnFields.oneLine(s, 200);
    }

    private static void applyTemplateHeaders(MimeMessage dsn, List<Map.Entry<String, String>> headers)
            throws MessagingException {
        Set<String> replaced = new java.util.HashSet<>();
        for (var h : headers) {
            String name = h.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            if (FIXED_HEADERS.contains(lower) || lower.startsWith("content-")) continue;
            String value = encode(h.getValue());
            if (replaced.add(lower) && (lower.equals("subject") || lower.equals("from") || lower.equals("to"))) {
                dsn.setHeader(name, value);
            } else {
                dsn.addHeader(name, value);
            }
        }
    }

    private static String encode(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > '~') {
                try {
                    return MimeUtility.encodeText(value, "UTF-8", null);
                } catch (UnsupportedEncodingException e) {
                    throw new IllegalStateException(e); // UTF-8 is always there
                }
            }
        }
        return value;
    }

    /**
     * The original's bytes, untouched: as a DataSource they are written out verbatim, where a
     * MimeMessage part would be re-saved (new Message-ID, MIME-Version) on the way out.
     */
    private static DataHandler returned(byte[] contents, boolean whole) {
        if (whole) return new DataHandler(new ByteArrayDataSource(contents, "message/rfc822"));
        int end = headerEnd(contents);
        byte[] headers = new byte[end];
        System.arraycopy(contents, 0, headers, 0, end);
        return new DataHandler(new ByteArrayDataSource(headers, "text/rfc822-headers"));
    }

    private static MimeBodyPart textPart(String body) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        boolean ascii = body.chars().allMatch(c -> c < 0x80);
        part.setText(body, ascii ? "us-ascii" : "UTF-8");
        return part;
    }

    private static boolean has8bit(byte[] contents, boolean whole) {
        int end = whole ? contents.length : headerEnd(contents);
        for (int i = 0; i < end; i++) if (contents[i] < 0) return true;
        return false;
    }

    /** Length of the header section including its last line end (without the empty line). */
    private static int headerEnd(byte[] c) {
        if (c.length > 0 && c[0] == '\n') return 0;
        if (c.length > 1 && c[0] == '\r' && c[1] == '\n') return 0;
        for (int i = 0; i + 1 < c.length; i++) {
            if (c[i] == '\n' && (c[i + 1] == '\n' || (c[i + 1] == '\r' && i + 2 < c.length && c[i + 2] == '\n'))) return i + 1;
        }
        return c.length;
    }

    private static Properties props(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }

    /** A MimeMessage whose Message-ID is ours: saveChanges() would otherwise invent one. */
    private static final class FixedIdMessage extends MimeMessage {
        private final String messageId;

        FixedIdMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}

package dev.outflow.core.intake;

import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.address.MailAddress;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DsnRequest;
import dev.outflow.core.dkim.DkimException;
import dev.outflow.core.dkim.DkimSigner;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.PluginChain;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one intake path of every channel (OutflowClient, SMTP submission, the submissions-topic
 * router): validates the envelope and size, completes the message (CRLF line ends, Message-ID and
 * Date when missing), runs the queue_outbound hooks and splits the recipients per domain (and
 * shard) into {@link RoutedDelivery} parts that share one message id.
 *
 * <p>Intake does not queue anything: the caller sends the parts of an {@link IntakeResult.Accepted}
 * to the outbound topic and counts the message as accepted only when every part is acknowledged.
 *
 * <p>Replies on rejection: bad sender {@code 553 5.1.7}, bad recipient {@code 550 5.1.3}, no
 * recipients {@code 554 5.5.1}, too big {@code 552 5.3.4}, bad id {@code 501 5.5.4},
 * queue_outbound DENY {@code 550 5.7.1}, DENYSOFT {@code 451 4.7.1}, DENYDISCONNECT
 * {@code 550 5.7.1} with kind DISCONNECT. Plugin failures are DENYSOFT (see {@link PluginChain}).
 * A message that has a DKIM key but cannot be signed {@code 451 4.7.0} (unless {@code dkim.required=false}).
 * A suppressed recipient {@code 550 5.1.1} naming the suppression (the whole message, like a bad
 * recipient address: intake queues a message as submitted or not at all; {@code suppression.enabled=false}
 * turns the check off).
 *
 * <p>Accepted messages are DKIM-signed here ({@link DkimSigner}), after the hooks, so that the
 * signature is computed once per message whatever the number of domains, retries and workers.
 *
 * <p>Immutable and thread-safe; one instance serves a whole process.
 */
public final class Intake {
    private static final Logger log = LoggerFactory.getLogger(Intake.class);
    private static final int MAX_ID_LENGTH = 200;

    private final PluginChain plugins;
    private final Clock clock;
    private final String me;
    private final long maxMessageBytes;
    private final DomainShards shards;
    private final DkimSigner dkim;
    private final boolean dkimRequired;
    private final SuppressionCheck suppressions;

    /**
     * @throws dev.outflow.core.config.ConfigException when {@code outbound.domain_shards} is malformed
     *         or a DKIM key cannot be used (the message names the file)
     */
    public Intake(Config config, PluginChain plugins, Clock clock) {
        this(config, plugins, clock, SuppressionCheck.NONE);
    }

    /**
     * @param suppressions the process's suppression list; ignored when {@code suppression.enabled=false}
     */
    public Intake(Config config, PluginChain plugins, Clock clock, SuppressionCheck suppressions) {
        this.suppressions = config.get(OutflowKeys.SUPPRESSION_ENABLED) ? suppressions : SuppressionCheck.NONE;
        this.plugins = plugins;
        this.clock = clock;
        this.me = config.me();
        this.maxMessageBytes = config.get(OutflowKeys.MAX_MESSAGE_BYTES);
        this.shards = DomainShards.from(config);
        this.dkim = DkimSigner.fromConfig(config, clock);
        this.dkimRequired = config.get(OutflowKeys.DKIM_REQUIRED);
    }

    public Intake(Config config, PluginChain plugins) {
        this(config, plugins, Clock.systemDefaultZone());
    }

    /** A fresh message id (random UUID); channels that need the id early (Received header) take it here. */
    public String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * The refusal of a suppressed recipient ({@code 550 5.1.1 <a@b> is suppressed (…)}), for
     * channels that answer per recipient (SMTP RCPT); null when the address may be queued.
     */
    public IntakeResult.Rejected suppressed(String id, String recipient) {
        String why = suppressions.refusal(recipient);
        return why == null ? null : reject(id, RejectKind.PERMANENT, 550, "5.1.1", "<" + printable(recipient) + "> " + why);
    }

    /** {@code outbound.max_message_bytes}: the largest completed message accepted. */
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    /** The host name used in added Message-IDs. */
    public String me() {
        return me;
    }

    /**
     * Decides about one message. Never throws for bad input: every problem is a {@link IntakeResult.Rejected}.
     */
    public IntakeResult submit(IntakeRequest request) {
        String id = request.id();
        if (id == null || id.isBlank()) {
            id = newId();
        } else if (!validId(id)) {
            return reject(null, RejectKind.PERMANENT, 501, "5.5.4", "Invalid message id (1-" + MAX_ID_LENGTH + " printable ASCII characters)");
        }
        String from;
        try {
            from = request.mailFrom() == null ? "" : MailAddress.parseReversePath(request.mailFrom()).toString();
        } catch (InvalidAddressException e) {
            return reject(id, RejectKind.PERMANENT, 553, "5.1.7", "Bad sender address: " + e.reason());
        }
        if (request.recipients().isEmpty()) return reject(id, RejectKind.PERMANENT, 554, "5.5.1", "No recipients");
        // Parsed addresses in first-seen order, duplicates collapsed (same local part and domain).
        Map<String, MailAddress> rcpts = new LinkedHashMap<>(request.recipients().size() * 2);
        Map<String, DsnRequest.Recipient> dsnRcpts = request.dsn() == null ? null : new LinkedHashMap<>();
        for (String r : request.recipients()) {
            try {
                MailAddress a = MailAddress.parse(r);
                rcpts.putIfAbsent(a.toString(), a);
                DsnRequest.Recipient given = dsnRcpts == null ? null : request.dsn().recipients().get(r);
                if (given != null) dsnRcpts.putIfAbsent(a.toString(), given);
            } catch (InvalidAddressException e) {
                return reject(id, RejectKind.PERMANENT, 550, "5.1.3", "Bad recipient address <" + printable(r) + ">: " + e.reason());
            }
        }
        for (String r : rcpts.keySet()) {
            IntakeResult.Rejected refused = suppressed(id, r);
            if (refused != null) return refused;
        }
        byte[] raw = request.contents();
        if (raw.length > maxMessageBytes) return tooBig(id);
        Instant now = clock.instant();
        byte[] contents = MessageCompleter.complete(raw, messageIdHeader(id), now.atZone(clock.getZone()));
        if (contents.length > maxMessageBytes) return tooBig(id);

        List<String> recipients = List.copyOf(rcpts.keySet());
        MessageView view = new MessageView(id, from, recipients, null, 0, request.notes(), contents);
        HookResult hook = plugins.queueOutbound(view);
        switch (hook.code()) {
            case CONT -> { }
            case OK -> {
                return new IntakeResult.HandledByPlugin(id, hook.message());
            }
            case DENY -> {
                return reject(id, RejectKind.PERMANENT, 550, "5.7.1", orDefault(hook.message(), "Message denied"));
            }
            case DENYSOFT -> {
                return reject(id, RejectKind.TEMPORARY, 451, "4.7.1", orDefault(hook.message(), "Message deferred, try again later"));
            }
            case DENYDISCONNECT -> {
                return reject(id, RejectKind.DISCONNECT, 550, "5.7.1", orDefault(hook.message(), "Message denied"));
            }
            default -> log.warn("queue_outbound answered {} for {}; treated as CONT", hook.code(), id);
        }
        // Signed once here, so every part, retry and the copy inside a DSN carry the same bytes.
        try {
            contents = dkim.sign(contents);
        } catch (DkimException e) {
            if (dkimRequired) return reject(id, RejectKind.TEMPORARY, 451, "4.7.0", e.getMessage() + " (dkim.required=true)");
            log.warn("{}: {}; queued unsigned (dkim.required=false)", id, e.getMessage());
        }
        DsnRequest dsn = dsnRcpts == null ? null : new DsnRequest(request.dsn().ret(), request.dsn().envid(), dsnRcpts, false);
        return new IntakeResult.Accepted(id, split(id, from, rcpts.values(), contents, now, request, dsn));
    }

    private List<RoutedDelivery> split(String id, String from, Collection<MailAddress> recipients, byte[] contents, Instant now,
                                       IntakeRequest request, DsnRequest dsn) {
        Map<String, String> notes = Map.copyOf(request.notes());
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        Map<String, String> domainOfKey = new LinkedHashMap<>();
        for (MailAddress a : recipients) {
            String domain = a.domain();
            String r = a.toString();
            String key = shards.routingKey(domain, r);
            List<String> list = byKey.get(key);
            if (list == null) {
                list = new ArrayList<>(4);
                byKey.put(key, list);
                domainOfKey.put(key, domain);
            }
            list.add(r);
        }
        List<RoutedDelivery> parts = new ArrayList<>(byKey.size());
        for (var e : byKey.entrySet()) {
            Delivery d = new Delivery(id, from, e.getValue(), domainOfKey.get(e.getKey()), contents, now, 0, notes, null, null,
                    dsn == null ? null : dsn.forRecipients(e.getValue()));
            parts.add(new RoutedDelivery(e.getKey(), d, request.origin()));
        }
        return parts;
    }

    private String messageIdHeader(String id) {
        return '<' + (dotAtom(id) ? id : newId()) + '@' + me + '>';
    }

    private IntakeResult.Rejected tooBig(String id) {
        return reject(id, RejectKind.PERMANENT, 552, "5.3.4", "Message size exceeds fixed limit of " + maxMessageBytes + " bytes");
    }

    private static IntakeResult.Rejected reject(String id, RejectKind kind, int code, String enhanced, String message) {
        return new IntakeResult.Rejected(id, kind, code, enhanced, printable(message));
    }

    /** 1-200 printable ASCII characters: what a message id (and a submission id) may be. */
    public static boolean validId(String id) {
        if (id.length() > MAX_ID_LENGTH) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 32 || c >= 127) return false;
        }
        return true;
    }

    /** True when the id can be the left part of a Message-ID as is (RFC 5322 dot-atom-text). */
    private static boolean dotAtom(String s) {
        if (s.isEmpty() || s.charAt(0) == '.' || s.charAt(s.length() - 1) == '.') return false;
        char prev = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0 || (c == '.' && prev != '.');
            if (!ok) return false;
            prev = c;
        }
        return true;
    }

    private static String orDefault(String s, String def) {
        return s == null || s.isBlank() ? def : s;
    }

    /** Text for a one-line SMTP reply: no control characters, bounded length. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 400));
        for (int i = 0; i < s.length() && b.length() < 400; i++) {
            char c = s.charAt(i);
            b.append(c < 32 || c == 127 ? '?' : c);
        }
        return b.toString();
    }
}

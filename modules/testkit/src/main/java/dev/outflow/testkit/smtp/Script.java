package dev.outflow.testkit.smtp;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The frozen configuration of a {@link FakeMx}: advertised extensions and the scripted actions.
 * Scripted sequences are shared by all connections: the n-th {@code MAIL} the server receives (on
 * any connection) takes the n-th action, the last one repeating. Thread-safe.
 */
final class Script {
    final String hostname;
    final boolean lmtp;
    final boolean pipelining;
    final long size;
    final boolean eightBitMime;
    final boolean smtputf8;
    final boolean enhancedStatusCodes;
    final boolean starttls;
    final boolean brokenTls;
    final javax.net.ssl.SSLContext tlsContext;
    final List<String> extraExtensions;
    final boolean record;
    /** Frequent default replies, made once. */
    final Reply mailOk;
    final Reply rcptOk;
    final Reply ok;
    final Reply dataGo;
    private final Map<Command, List<Action>> actions;
    private final Map<String, List<Action>> rcpt;
    private final Map<String, Action> lmtpReplies;
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private final AtomicIntegerArray seen = new AtomicIntegerArray(Command.values().length);
    private final Map<String, AtomicInteger> rcptSeen = new ConcurrentHashMap<>();

    Script(FakeMx.Builder b) {
        hostname = b.hostname;
        lmtp = b.lmtp;
        pipelining = b.pipelining;
        size = b.size;
        eightBitMime = b.eightBitMime;
        smtputf8 = b.smtputf8;
        enhancedStatusCodes = b.enhancedStatusCodes;
        starttls = b.starttls || b.brokenTls;
        brokenTls = b.brokenTls;
        tlsContext = b.tlsContext;
        extraExtensions = List.copyOf(b.extraExtensions);
        record = b.record;
        actions = new EnumMap<>(Command.class);
        b.actions.forEach((k, v) -> actions.put(k, List.copyOf(v)));
        rcpt = Map.copyOf(b.rcpt);
        lmtpReplies = Map.copyOf(b.lmtpReplies);
        mailOk = reply(250, "2.1.0", "Ok");
        rcptOk = reply(250, "2.1.5", "Ok");
        ok = reply(250, "2.0.0", "Ok");
        dataGo = Reply.of(354, "End data with <CR><LF>.<CR><LF>");
    }

    /** The action for this occurrence of a command. */
    Action next(Command c) {
        int n = seen.getAndIncrement(c.ordinal());
        List<Action> list = actions.get(c);
        return list == null ? Action.proceed() : list.get(Math.min(n, list.size() - 1));
    }

    /** The action for a RCPT of this address: the per-address script, else the RCPT sequence. */
    Action rcpt(String address) {
        if (rcpt.isEmpty()) return next(Command.RCPT);
        String key = address.toLowerCase(Locale.ROOT);
        List<Action> list = rcpt.get(key);
        if (list == null) return next(Command.RCPT);
        int n = rcptSeen.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
        return list.get(Math.min(n, list.size() - 1));
    }

    /** The LMTP reply action after the dot for this recipient, or null for the END_OF_DATA script. */
    Action lmtpReply(String address) {
        return lmtpReplies.isEmpty() ? null : lmtpReplies.get(address.toLowerCase(Locale.ROOT));
    }

    /** How many times a command was received so far (GREETING: connections greeted). */
    int count(Command c) {
        return seen.get(c.ordinal());
    }

    /** Reply with an enhanced status code when the server advertises them; fixed replies are made once. */
    Reply reply(int code, String enhanced, String text) {
        String key = code + enhanced + text;
        Reply r = replies.get(key);
        if (r == null) {
            r = Reply.of(code, enhancedStatusCodes && enhanced != null ? enhanced + " " + text : text);
            if (replies.size() < 256) replies.put(key, r);
        }
        return r;
    }

    /** Reply made fresh each time (texts that vary, like a queue id). */
    Reply freshReply(int code, String enhanced, String text) {
        return Reply.of(code, enhancedStatusCodes && enhanced != null ? enhanced + " " + text : text);
    }
}

package dev.outflow.reporting.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionRecords;
import dev.outflow.reporting.Attempt;
import dev.outflow.reporting.MessageTrack;
import dev.outflow.reporting.RecipientTrack;
import dev.outflow.reporting.Stats;
import dev.outflow.reporting.bounce.BounceClassifier;

/**
 * The one stateful step of reporting. For each event (or first queueing) of a message it updates
 * the message's tracking entry, indexes new recipients by address, counts each recipient outcome
 * once into the 1-minute and 1-hour statistics of its domain (the sum over all domains is made
 * when asked), and emits a suppression for a permanent bad-mailbox bounce. Duplicate events
 * (at-least-once delivery, a replayed partition) are recognised in the tracking history and
 * counted nowhere.
 *
 * <p>Recently used tracking entries and statistics windows are also kept as objects, written
 * through to their stores on every change: this processor is the only writer of its task's
 * stores, so the objects equal what the stores hold, and an event costs no store read and no
 * deserialisation in the common case (a message's queueing and its delivery arrive close
 * together). They are dropped whenever the task is (re)initialised, e.g. after an aborted
 * transaction restored the stores from their changelogs.
 *
 * <p>Task 0 also writes tombstones for expired suppressions once a minute, so the compacted
 * suppressions topic forgets them.
 */
final class Tracker implements Processor<String, Object, String, Suppression> {
    static final long MINUTE = Duration.ofMinutes(1).toMillis();
    static final long HOUR = Duration.ofHours(1).toMillis();
    /** Tracking entries kept as objects: a few seconds of traffic at benchmark rates. */
    static final int RECENT_TRACKS = 20_000;
    /** Statistics windows kept as objects: minute and hour of a few thousand active domains. */
    static final int RECENT_STATS = 8_192;
    private static final Pattern ADDRESS = Pattern.compile("<?[^\\s<>@]+@[^\\s<>]+>?");
    private static final Pattern NUMBERS = Pattern.compile("\\b[0-9A-Fa-f-]{8,}\\b|\\d{3,}(?![.\\d])");
    private static final Pattern LEADING_CODES = Pattern.compile("^\\s*\\d{3}[ -](\\d\\.\\d{1,3}\\.\\d{1,3}\\s+)?");

    private final BounceClassifier classifier;
    private final long retentionMs;
    private final int historyMax;
    private final long suppressionTtlMs;
    private final ReportingCounters counters;
    private ProcessorContext<String, Suppression> context;
    private WindowStore<String, MessageTrack> tracking;
    private WindowStore<String, String> recipients;
    private WindowStore<String, Stats> minutes;
    private WindowStore<String, Stats> hours;
    private final Map<String, Stored> recentTracks;
    private final Map<Slot, Stats> recentStats;

    Tracker(BounceClassifier classifier, Duration retention, int historyMax, Duration suppressionTtl, ReportingCounters counters,
            int recentTracks, int recentStats) {
        this.recentTracks = lru(recentTracks);
        this.recentStats = lru(recentStats);
        this.classifier = classifier;
        this.retentionMs = retention.toMillis();
        this.historyMax = historyMax;
        this.suppressionTtlMs = suppressionTtl.toMillis();
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, Suppression> context) {
        this.context = context;
        tracking = context.getStateStore(StoreNames.TRACKING);
        recipients = context.getStateStore(StoreNames.RECIPIENTS);
        minutes = context.getStateStore(StoreNames.STATS_1M);
        hours = context.getStateStore(StoreNames.STATS_1H);
        recentTracks.clear();
        recentStats.clear();
        if (context.taskId().partition() == 0) {
            context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, this::expireSuppressions);
        }
    }

    @Override
    public void close() {
        recentTracks.clear();
        recentStats.clear();
    }

    @Override
    public void process(Record<String, Object> r) {
        if (r.value() instanceof DeliveryEvent e) {
            onEvent(e, r.timestamp());
        } else if (r.value() instanceof Queued q) {
            onQueued(q, r.timestamp());
        }
    }

    private void onQueued(Queued q, long ts) {
        Stored s = load(q.id(), q.queuedAt() > 0 ? q.queuedAt() : ts);
        MessageTrack m = s.track;
        boolean changed = s.fresh;
        if (m.mailFrom == null && q.mailFrom() != null) {
            m.mailFrom = q.mailFrom();
            changed = true;
        }
        if (m.dsnOf == null && q.bounceOf() != null) {
            m.dsnOf = q.bounceOf();
            changed = true;
        }
        for (String address : q.recipients()) {
            if (!m.recipients.containsKey(address)) {
                m.recipients.put(address, RecipientTrack.queued(address, domainOf(address, q.domain()), q.queuedAt()));
                recipients.put(index(address), q.id(), s.at);
                changed = true;
            }
        }
        if (changed) save(q.id(), s);
    }

    private void onEvent(DeliveryEvent e, long ts) {
        String outcome = e.getOutcome().name().toLowerCase(Locale.ROOT);
        if (outcome.equals("unknown")) return;
        Stored s = load(e.getMessageId(), e.getAt() > 0 ? e.getAt() : ts);
        MessageTrack m = s.track;
        boolean changed = false;
        if (m.mailFrom == null && e.getMailFrom() != null) {
            m.mailFrom = e.getMailFrom();
            changed = true;
        }
        for (RecipientStatus rs : e.getRecipients()) {
            String address = rs.getAddress();
            RecipientTrack rt = m.recipients.get(address);
            if (rt == null) {
                rt = RecipientTrack.queued(address, domainOf(address, e.getDomain()), s.at);
                m.recipients.put(address, rt);
                recipients.put(index(address), e.getMessageId(), s.at);
            }
            if (rt.seen(outcome, e.getAttempt())) {
                counters.duplicates.incrementAndGet();
                continue;
            }
            boolean failure = outcome.equals("bounced") || outcome.equals("deferred");
            String cls = failure ? classifier.classify(rs.getEnhancedCode(), rs.getResponse()) : null;
            String reason = e.getReason();
            Attempt a = new Attempt(e.getAt(), outcome, e.getAttempt(), rs.getCode(), rs.getEnhancedCode(), rs.getResponse(),
                    cls, e.getHost(), e.getIp(), e.getTls(), e.getDelayMs());
            rt.record(a, reason, outcome.equals("deferred") ? e.getNextAttemptAt() : null, historyMax);
            changed = true;
            count(rt.domain, e.getAt(), outcome, cls, failure ? reasonKey(rs) : null, e.getDelayMs());
            if (outcome.equals("bounced") && BounceClassifier.BAD_MAILBOX.equals(cls) && permanent(rs)) {
                suppress(address, rs, e);
            }
        }
        if (changed || s.fresh) {
            m.updatedAt = Math.max(m.updatedAt, e.getAt());
            save(e.getMessageId(), s);
        }
    }

    private void count(String domain, long at, String outcome, String cls, String reason, long delayMs) {
        add(minutes, domain, at - Math.floorMod(at, MINUTE), outcome, cls, reason, delayMs);
        add(hours, domain, at - Math.floorMod(at, HOUR), outcome, cls, reason, delayMs);
    }

    private void add(WindowStore<String, Stats> store, String key, long windowStart, String outcome, String cls,
                     String reason, long delayMs) {
        Slot slot = new Slot(store == hours, key, windowStart);
        Stats s = recentStats.get(slot);
        if (s == null) {
            s = store.fetch(key, windowStart);
            if (s == null) s = new Stats();
            recentStats.put(slot, s);
        }
        s.add(outcome, cls, reason, delayMs);
        store.put(key, s, windowStart);
    }

    /** One statistics window of one domain in the minute or the hour store. */
    private record Slot(boolean hour, String domain, long start) {
    }

    private void suppress(String address, RecipientStatus rs, DeliveryEvent e) {
        String key;
        try {
            key = SuppressionRecords.key(address);
        } catch (IllegalArgumentException ex) {
            return;
        }
        String reply = (rs.getCode() > 0 ? rs.getCode() + " " : "") + (rs.getEnhancedCode() != null ? rs.getEnhancedCode() + " " : "")
                + strip(rs.getResponse());
        Suppression s = new Suppression(key, reply.strip(), Suppression.BOUNCE, e.getMessageId(), e.getAt(), e.getAt() + suppressionTtlMs);
        counters.suppressed.incrementAndGet();
        context.forward(new Record<>(key, s, e.getAt()));
    }

    private void expireSuppressions(long now) {
        ReadOnlyKeyValueStore<String, ValueAndTimestamp<Suppression>> store = context.getStateStore(StoreNames.SUPPRESSIONS);
        try (KeyValueIterator<String, ValueAndTimestamp<Suppression>> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ValueAndTimestamp<Suppression>> kv = it.next();
                if (kv.value != null && kv.value.value() != null && !kv.value.value().activeAt(now)) {
                    context.forward(new Record<String, Suppression>(kv.key, null, now));
                }
            }
        }
    }

    /** The tracking entry of a message with its store timestamp, or a new one at {@code at}. */
    private Stored load(String id, long at) {
        // From the retention horizon on: the store cache may still hold entries of dropped segments.
        long from = Math.max(0L, context.currentStreamTimeMs() - retentionMs + 1);
        Stored recent = recentTracks.get(id);
        if (recent != null && recent.at >= from) return new Stored(recent.track, recent.at, false);
        try (WindowStoreIterator<MessageTrack> it = tracking.fetch(id, from, Long.MAX_VALUE)) {
            if (it.hasNext()) {
                KeyValue<Long, MessageTrack> kv = it.next();
                Stored stored = new Stored(kv.value, kv.key, false);
                recentTracks.put(id, stored);
                return stored;
            }
        }
        return new Stored(MessageTrack.of(id, at), at, true);
    }

    private void save(String id, Stored s) {
        tracking.put(id, s.track, s.at);
        recentTracks.put(id, s);
    }

    private record Stored(MessageTrack track, long at, boolean fresh) {
    }

    /** An access-ordered map that forgets its least recently used entry beyond {@code max}. */
    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    /** The recipient index key: the suppression-list form, so lookups ignore case. */
    static String index(String address) {
        String a = address.strip().toLowerCase(Locale.ROOT);
        return a.startsWith("<") && a.endsWith(">") ? a.substring(1, a.length() - 1) : a;
    }

    private static String domainOf(String address, String fallback) {
        int at = address.lastIndexOf('@');
        String d = at >= 0 && at < address.length() - 1 ? address.substring(at + 1) : fallback;
        return d == null || d.isEmpty() ? "unknown" : d.toLowerCase(Locale.ROOT).replaceAll(">$", "");
    }

    private static boolean permanent(RecipientStatus rs) {
        return rs.getCode() >= 500 || (rs.getEnhancedCode() != null && rs.getEnhancedCode().startsWith("5."));
    }

    /**
     * The reason a failure is counted under: code, enhanced code and reply text with addresses,
     * ids and long numbers blanked, so that "user unknown" for a thousand addresses is one reason.
     */
    static String reasonKey(RecipientStatus rs) {
        String text = strip(rs.getResponse());
        text = ADDRESS.matcher(text).replaceAll("<address>");
        text = NUMBERS.matcher(text).replaceAll("#");
        text = text.replaceAll("\\s+", " ").strip();
        if (text.length() > 120) text = text.substring(0, 119) + "…";
        String code = (rs.getCode() > 0 ? rs.getCode() + " " : "") + (rs.getEnhancedCode() != null ? rs.getEnhancedCode() + " " : "");
        return (code + text).strip();
    }

    /** The reply text without the code and enhanced code servers repeat at its start. */
    private static String strip(String response) {
        return response == null ? "" : LEADING_CODES.matcher(response).replaceFirst("");
    }
}

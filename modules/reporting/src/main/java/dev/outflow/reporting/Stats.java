package dev.outflow.reporting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Counts of one domain (or {@value #ALL}) in one tumbling window: recipients per outcome, bounce
 * and deferral classes, the most frequent bounce and deferral reasons, and the delivery delay as a
 * histogram (log buckets, 5 % wide) from which {@link #view()} takes p50/p95/p99. Partial counts
 * of several stream tasks add up with {@link #merge(Stats)}. Mutable, not thread-safe.
 */
public final class Stats {
    /** The domain key of the counts over all domains. */
    public static final String ALL = "*";
    /** Distinct reasons kept per kind; when full, the least frequent one makes room. */
    static final int MAX_REASONS = 64;
    private static final double BUCKET_GROWTH = 1.05;
    private static final double LOG_GROWTH = Math.log(BUCKET_GROWTH);

    public long delivered;
    public long deferred;
    public long bounced;
    public long dropped;
    public long rejected;
    public Map<String, Long> bounceClasses = new TreeMap<>();
    public Map<String, Long> deferralClasses = new TreeMap<>();
    public Map<String, Long> bounceReasons = new TreeMap<>();
    public Map<String, Long> deferralReasons = new TreeMap<>();
    /** Delivery delay histogram: bucket index → recipients (see {@link #bucket(long)}). */
    public TreeMap<Integer, Long> delays = new TreeMap<>();

    /** Counts one recipient's outcome. */
    public void add(String outcome, String bounceClass, String reason, long delayMs) {
        switch (outcome) {
            case "delivered" -> {
                delivered++;
                delays.merge(bucket(delayMs), 1L, Long::sum);
            }
            case "deferred" -> {
                deferred++;
                count(deferralClasses, bounceClass);
                countReason(deferralReasons, reason, 1);
            }
            case "bounced" -> {
                bounced++;
                count(bounceClasses, bounceClass);
                countReason(bounceReasons, reason, 1);
            }
            case "dropped" -> dropped++;
            case "rejected" -> rejected++;
            default -> { }
        }
    }

    /** Adds another task's counts of the same domain and window. */
    public Stats merge(Stats o) {
        delivered += o.delivered;
        deferred += o.deferred;
        bounced += o.bounced;
        dropped += o.dropped;
        rejected += o.rejected;
        o.bounceClasses.forEach((k, v) -> bounceClasses.merge(k, v, Long::sum));
        o.deferralClasses.forEach((k, v) -> deferralClasses.merge(k, v, Long::sum));
        o.bounceReasons.forEach((k, v) -> countReason(bounceReasons, k, v));
        o.deferralReasons.forEach((k, v) -> countReason(deferralReasons, k, v));
        o.delays.forEach((k, v) -> delays.merge(k, v, Long::sum));
        return this;
    }

    @JsonIgnore
    public boolean isEmpty() {
        return delivered + deferred + bounced + dropped + rejected == 0;
    }

    /** What the API shows for this window. */
    public View view(String domain, long start, long end) {
        return new View(domain, start, end, delivered, deferred, bounced, dropped, rejected,
                new Delay(percentile(0.50), percentile(0.95), percentile(0.99)),
                bounceClasses, deferralClasses, top(bounceReasons), top(deferralReasons));
    }

    /** One window of one domain as the API shows it; delays in ms, null without deliveries. */
    public record View(String domain, long start, long end, long delivered, long deferred, long bounced, long dropped,
                       long rejected, Delay delayMs, Map<String, Long> bounceClasses, Map<String, Long> deferralClasses,
                       List<Reason> topBounceReasons, List<Reason> topDeferralReasons) {
    }

    public record Delay(Long p50, Long p95, Long p99) {
    }

    public record Reason(String reason, long count) {
    }

    static int bucket(long ms) {
        return ms <= 0 ? 0 : (int) Math.floor(Math.log(ms + 1.0) / LOG_GROWTH);
    }

    /** The largest delay a bucket holds (its upper bound), so percentiles never understate. */
    static long upperBound(int bucket) {
        return (long) Math.ceil(Math.pow(BUCKET_GROWTH, bucket + 1) - 1);
    }

    Long percentile(double q) {
        long total = 0;
        for (long v : delays.values()) total += v;
        if (total == 0) return null;
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (var e : delays.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) return upperBound(e.getKey());
        }
        return upperBound(delays.lastKey());
    }

    private static void count(Map<String, Long> m, String key) {
        m.merge(key == null ? "other" : key, 1L, Long::sum);
    }

    private static void countReason(Map<String, Long> m, String reason, long n) {
        if (reason == null || reason.isEmpty()) return;
        if (!m.containsKey(reason) && m.size() >= MAX_REASONS) {
            String least = m.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            // Space-saving: the newcomer inherits the evicted count, so a frequent late reason can rise.
            n += m.remove(least);
        }
        m.merge(reason, n, Long::sum);
    }

    private static List<Reason> top(Map<String, Long> m) {
        List<Reason> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new Reason(k, v)));
        out.sort(Comparator.comparingLong(Reason::count).reversed().thenComparing(Reason::reason));
        return out.size() > 10 ? List.copyOf(out.subList(0, 10)) : out;
    }
}

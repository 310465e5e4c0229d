package dev.outflow.acceptance.faults;

import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What Outflow owes and what it did: each (message id, recipient) the submission listener accepted
 * has an expected terminal outcome (DELIVERED or BOUNCED) and a group label for the report (e.g.
 * "d3 421 greeting"). {@link #reconcile} reads the events and counts, per group: expected,
 * delivered, bounced, lost (no terminal event), wrong (another terminal outcome than expected, or
 * two different ones), and duplicate events (the same (message, recipient, outcome) more than once;
 * the design allows them, consumers dedupe). DEFERRED events are not terminal and only counted.
 *
 * <p>Not thread-safe: build it, then reconcile.
 */
public final class Ledger {
    private static final Set<Outcome> TERMINAL = EnumSet.of(Outcome.DELIVERED, Outcome.BOUNCED, Outcome.DROPPED, Outcome.REJECTED);

    private record Expectation(String group, Outcome outcome) {}

    private final Map<String, Expectation> expected = new LinkedHashMap<>();
    private final Map<String, Integer> unknownPerGroup = new TreeMap<>();

    /** A pair Outflow accepted and owes exactly this terminal outcome for. */
    public void expect(String messageId, String recipient, Outcome outcome, String group) {
        expected.put(key(messageId, recipient), new Expectation(group, outcome));
    }

    /** A submission whose acceptance is unknown (connection broke after the dot): reported, not owed. */
    public void unknown(String group) {
        unknownPerGroup.merge(group, 1, Integer::sum);
    }

    public int size() {
        return expected.size();
    }

    static String key(String messageId, String recipient) {
        return messageId + "|" + recipient.toLowerCase(Locale.ROOT);
    }

    /** Counts of one group. */
    public record Row(String group, Outcome expectedOutcome, int expected, int delivered, int bounced, int lost, int wrong,
                      int duplicateEvents, int deferrals, int unknown) {}

    /** The result of a reconciliation; {@link #clean()} when nothing was lost or wrong. */
    public record Report(List<Row> rows, int lost, int wrong, int duplicateEvents, int unexpectedEvents, List<String> examples) {
        public boolean clean() {
            return lost == 0 && wrong == 0;
        }

        /** Pairs that have a terminal outcome so far (for progress). */
        public int settled() {
            return rows.stream().mapToInt(r -> r.expected() - r.lost()).sum();
        }

        public String table() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%-28s %-9s %8s %9s %8s %6s %6s %10s %9s %8s%n", "group", "expected", "count", "delivered",
                    "bounced", "lost", "wrong", "dup.events", "deferrals", "unknown"));
            for (Row r : rows) {
                sb.append(String.format("%-28s %-9s %8d %9d %8d %6d %6d %10d %9d %8d%n", r.group(), r.expectedOutcome(), r.expected(),
                        r.delivered(), r.bounced(), r.lost(), r.wrong(), r.duplicateEvents(), r.deferrals(), r.unknown()));
            }
            sb.append(String.format("TOTAL: lost %d, wrong %d, duplicate events %d, events for pairs nobody expected %d%n",
                    lost, wrong, duplicateEvents, unexpectedEvents));
            for (String e : examples) sb.append("  e.g. ").append(e).append('\n');
            return sb.toString();
        }
    }

    /** Reconciles the events read so far against what is owed. */
    public Report reconcile(List<Event> events) {
        Map<String, Map<Outcome, Integer>> seen = new HashMap<>();
        Map<String, Integer> deferrals = new HashMap<>();
        int unexpected = 0;
        for (Event e : events) {
            for (RecipientStatus r : e.value().getRecipients()) {
                String k = key(e.messageId(), r.getAddress());
                if (!expected.containsKey(k)) {
                    unexpected++;
                    continue;
                }
                if (e.outcome() == Outcome.DEFERRED) deferrals.merge(k, 1, Integer::sum);
                else if (TERMINAL.contains(e.outcome())) seen.computeIfAbsent(k, x -> new HashMap<>()).merge(e.outcome(), 1, Integer::sum);
            }
        }
        Map<String, int[]> counts = new TreeMap<>();
        Map<String, Outcome> groupOutcome = new HashMap<>();
        List<String> examples = new ArrayList<>();
        int lost = 0;
        int wrong = 0;
        int dups = 0;
        for (Map.Entry<String, Expectation> x : expected.entrySet()) {
            Expectation exp = x.getValue();
            groupOutcome.put(exp.group(), exp.outcome());
            // expected, delivered, bounced, lost, wrong, dup, deferrals
            int[] c = counts.computeIfAbsent(exp.group(), g -> new int[7]);
            c[0]++;
            c[6] += deferrals.getOrDefault(x.getKey(), 0);
            Map<Outcome, Integer> got = seen.get(x.getKey());
            if (got == null) {
                c[3]++;
                lost++;
                if (examples.size() < 10) examples.add("lost " + x.getKey() + " (" + exp.group() + ")");
                continue;
            }
            if (got.containsKey(Outcome.DELIVERED)) c[1]++;
            if (got.containsKey(Outcome.BOUNCED)) c[2]++;
            if (got.size() != 1 || !got.containsKey(exp.outcome())) {
                c[4]++;
                wrong++;
                if (examples.size() < 10) examples.add("wrong " + x.getKey() + " (" + exp.group() + "): expected " + exp.outcome() + ", got " + got);
            }
            for (int n : got.values()) {
                c[5] += n - 1;
                dups += n - 1;
            }
        }
        List<Row> rows = new ArrayList<>();
        Set<String> groups = new java.util.TreeSet<>(counts.keySet());
        groups.addAll(unknownPerGroup.keySet());
        for (String g : groups) {
            int[] c = counts.getOrDefault(g, new int[7]);
            rows.add(new Row(g, groupOutcome.getOrDefault(g, Outcome.UNKNOWN), c[0], c[1], c[2], c[3], c[4], c[5], c[6],
                    unknownPerGroup.getOrDefault(g, 0)));
        }
        return new Report(rows, lost, wrong, dups, unexpected, examples);
    }
}

package dev.outflow.bench.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Formats the benchmark's results: a Markdown table with Outflow's ratios to each peer, and TSV. Stateless. */
final class Report {
    private Report() {}

    static String table(List<RunResult> rows, Map<String, String> descriptions, Map<String, String> checks, int n, int sessions, int body) {
        StringBuilder sb = new StringBuilder();
        sb.append("## End-to-end relay benchmark\n\n");
        sb.append(String.format(Locale.ROOT, "N = %d messages of ~%d B (smtp-source body %d B + headers), %d sessions reusing connections, %d CPUs.%n%n",
                n, body + 150, body, sessions, ProcStat.cpus()));
        sb.append("| relay | run | msg/s | s | inject msg/s | CPU ms/msg | sys % | peak RSS MiB | peak PSS MiB | box busy % | foreign % |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RunResult r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.1f | %.0f | %s | %s | %s | %s | %.0f | %s |%n", r.relay(), r.run(), r.rate(),
                    r.seconds(), r.injectRate(), num(r.cpuMsPerMsg(), 3), num(r.sysPct(), 0), r.peakRssMib() == 0 ? "–" : String.valueOf(r.peakRssMib()),
                    r.peakPssMib() == 0 ? "–" : String.valueOf(r.peakPssMib()), r.boxBusyPct(), num(r.foreignPct(), 0)));
        }
        sb.append('\n').append(ratios(rows));
        sb.append("\nRelays:\n\n");
        descriptions.forEach((k, v) -> sb.append("- **").append(k).append("**: ").append(v)
                .append(checks.containsKey(k) ? " — after the runs: " + checks.get(k) : "").append('\n'));
        return sb.toString();
    }

    private static String ratios(List<RunResult> rows) {
        List<String> outflows = rows.stream().map(RunResult::relay).filter(r -> r.startsWith("outflow")).distinct().toList();
        List<String> peers = rows.stream().map(RunResult::relay).filter(r -> !r.startsWith("outflow") && !r.equals("ceiling")).distinct().toList();
        if (outflows.isEmpty() || peers.isEmpty()) return "";
        StringBuilder sb = new StringBuilder("Outflow relative to each peer (last run of each, i.e. warm when RUNS >= 2; "
                + "msg/s ratio > 1: Outflow faster; CPU/msg ratio < 1: Outflow cheaper):\n\n");
        sb.append("| outflow | peer | msg/s ratio | CPU/msg ratio |\n|---|---|---:|---:|\n");
        List<String> lines = new ArrayList<>();
        for (String o : outflows) {
            for (String p : peers) {
                Optional<RunResult> a = last(rows, o);
                Optional<RunResult> b = last(rows, p);
                if (a.isEmpty() || b.isEmpty()) continue;
                double rate = a.get().rate() / b.get().rate();
                String cpu = Double.isNaN(b.get().cpuMsPerMsg()) ? "–" : String.format(Locale.ROOT, "%.2f", a.get().cpuMsPerMsg() / b.get().cpuMsPerMsg());
                lines.add(String.format(Locale.ROOT, "| %s | %s | %.2f× | %s |%n", o, p, rate, cpu));
            }
        }
        lines.forEach(sb::append);
        return sb.toString();
    }

    private static Optional<RunResult> last(List<RunResult> rows, String relay) {
        RunResult found = null;
        for (RunResult r : rows) if (r.relay().equals(relay)) found = r;
        return Optional.ofNullable(found);
    }

    static String tsv(List<RunResult> rows) {
        StringBuilder sb = new StringBuilder("relay\trun\tmessages\tseconds\tmsg_per_s\tinject_msg_per_s\tcpu_ms_per_msg\tsys_pct\tpeak_rss_mib\tpeak_pss_mib\tbox_busy_pct\tforeign_pct\n");
        for (RunResult r : rows) {
            sb.append(String.format(Locale.ROOT, "%s\t%s\t%d\t%.3f\t%.1f\t%.1f\t%.4f\t%.1f\t%d\t%d\t%.1f\t%.1f%n", r.relay(), r.run(), r.messages(),
                    r.seconds(), r.rate(), r.injectRate(), r.cpuMsPerMsg(), r.sysPct(), r.peakRssMib(), r.peakPssMib(), r.boxBusyPct(), r.foreignPct()));
        }
        return sb.toString();
    }

    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}

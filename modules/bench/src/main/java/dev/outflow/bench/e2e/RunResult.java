package dev.outflow.bench.e2e;

/**
 * One measured run of one relay.
 *
 * @param relay       relay name
 * @param run         "cold" (first run in a fresh process) or "warm" (a later run, same process)
 * @param messages    messages injected and counted at the sink
 * @param seconds     from the start of injection until the sink counted them all
 * @param injectRate  smtp-source's own rate (messages / time until it finished)
 * @param cpuMsPerMsg relay process tree CPU (user + system) per message over the run
 * @param sysPct      system share of that CPU
 * @param peakRssMib  peak of the tree's summed RSS during the run
 * @param peakPssMib  peak of the tree's summed PSS (shared pages split fairly)
 * @param boxBusyPct  whole machine busy during the run
 * @param foreignPct  machine capacity used by processes outside the benchmark
 */
record RunResult(String relay, String run, long messages, double seconds, double injectRate, double cpuMsPerMsg, double sysPct,
                 long peakRssMib, long peakPssMib, double boxBusyPct, double foreignPct) {
    double rate() {
        return messages / seconds;
    }
}

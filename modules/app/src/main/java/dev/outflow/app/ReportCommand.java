package dev.outflow.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow report}: only reporting (and its /api), against the configured cluster or the embedded broker of data.dir. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Run reporting (tracking, statistics, suppression list, /api on http.listen) until stopped; run several to scale.")
final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        return Runner.run(options, Components::reporting);
    }
}

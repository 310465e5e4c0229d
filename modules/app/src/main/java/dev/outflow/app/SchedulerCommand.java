package dev.outflow.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow scheduler}: only this stage, against the configured cluster or the embedded broker of data.dir. */
@Command(name = "scheduler", mixinStandardHelpOptions = true, description = "Run the retry scheduler (delay buckets, flush) until stopped.")
final class SchedulerCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        return Runner.run(options, Components::scheduler);
    }
}

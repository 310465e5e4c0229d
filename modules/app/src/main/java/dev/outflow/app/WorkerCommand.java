package dev.outflow.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow worker}: only this stage, against the configured cluster or the embedded broker of data.dir. */
@Command(name = "worker", mixinStandardHelpOptions = true, description = "Run a delivery worker (consumer group on the outbound topic) until stopped; run several to scale.")
final class WorkerCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        return Runner.run(options, Components::worker);
    }
}

package dev.outflow.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow router}: only this stage, against the configured cluster or the embedded broker of data.dir. */
@Command(name = "router", mixinStandardHelpOptions = true, description = "Run the router from the submissions topic to the outbound topic until stopped.")
final class RouterCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        return Runner.run(options, Components::router);
    }
}

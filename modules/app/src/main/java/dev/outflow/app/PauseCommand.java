package dev.outflow.app;

import dev.outflow.avro.Command;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** {@code outflow pause}: writes a PAUSE control record and returns once Kafka acknowledged it. */
@picocli.CommandLine.Command(name = "pause", mixinStandardHelpOptions = true, description = "Stop delivery cluster-wide; submissions keep queueing.")
final class PauseCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
        ControlCommands.send(Context.of(options.load()), Command.PAUSE, "outflow pause");
        System.out.println("pause requested");
        return 0;
    }
}

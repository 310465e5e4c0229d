package dev.outflow.app;

import dev.outflow.avro.Command;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** {@code outflow resume}: writes a RESUME control record and returns once Kafka acknowledged it. */
@picocli.CommandLine.Command(name = "resume", mixinStandardHelpOptions = true, description = "Restart delivery after 'outflow pause'.")
final class ResumeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
        ControlCommands.send(Context.of(options.load()), Command.RESUME, "outflow resume");
        System.out.println("resume requested");
        return 0;
    }
}

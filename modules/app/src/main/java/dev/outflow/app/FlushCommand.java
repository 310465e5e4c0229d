package dev.outflow.app;

import dev.outflow.avro.Command;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** {@code outflow flush}: writes a FLUSH control record and returns once Kafka acknowledged it. */
@picocli.CommandLine.Command(name = "flush", mixinStandardHelpOptions = true, description = "Release every deferred message now (Haraka's SIGHUP): the scheduler treats all waiting records as due.")
final class FlushCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
        ControlCommands.send(Context.of(options.load()), Command.FLUSH, "outflow flush");
        System.out.println("flush requested");
        return 0;
    }
}

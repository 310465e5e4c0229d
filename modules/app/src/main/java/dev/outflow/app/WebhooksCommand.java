package dev.outflow.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow webhooks}: only the webhooks stage (webhooks.urls must be set). */
@Command(name = "webhooks", mixinStandardHelpOptions = true,
        description = "POST delivery events as signed JSON batches to webhooks.urls until stopped (docs/webhooks.md).")
final class WebhooksCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        // Configuration errors stop the command before it connects to Kafka.
        dev.outflow.webhooks.Webhooks.validate(options.load());
        return Runner.run(options, Components::webhooks);
    }
}

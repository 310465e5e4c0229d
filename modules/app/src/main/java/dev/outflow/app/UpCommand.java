package dev.outflow.app;

import dev.outflow.avro.Command;
import dev.outflow.broker.EmbeddedBroker;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * {@code outflow up}: everything in one process. Starts the embedded broker unless
 * {@code kafka.bootstrap.servers} is set, creates the topics, then the scheduler, the worker, the
 * router, reporting (unless {@code reporting.enabled=false}), webhooks (when {@code webhooks.urls} is set) and the SMTP submission listener; prints what listens where; on Ctrl-C / SIGTERM stops
 * them in reverse order (in-flight deliveries finish and are committed) and the broker last.
 */
@picocli.CommandLine.Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run everything: embedded broker (unless kafka.bootstrap.servers), topics, scheduler, worker, router, reporting, webhooks (with webhooks.urls), SMTP submission.")
final class UpCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        var loader = options.loader();
        Config config = loader.load();
        if (!config.get(OutflowKeys.WEBHOOKS_URLS).isEmpty()) dev.outflow.webhooks.Webhooks.validate(config);
        Shutdown shutdown = new Shutdown();
        EmbeddedBroker broker = null;
        try {
            String bootstrap = config.get(OutflowKeys.KAFKA_BOOTSTRAP);
            if (bootstrap == null || bootstrap.isBlank()) {
                broker = BrokerCommand.startBroker(config);
                bootstrap = broker.bootstrapServers();
            }
            Context ctx = Context.of(config, bootstrap);
            List<String> created = ctx.ensureTopics();
            try (Components components = new Components(ctx, loader)) {
                components.all();
                boolean hup = Signals.onHangup(() -> ControlCommands.send(ctx, Command.FLUSH, "SIGHUP"));
                System.out.println("Outflow is up (" + (System.nanoTime() - t0) / 1_000_000 + " ms):");
                System.out.println("kafka      " + bootstrap + (broker != null
                        ? " (embedded, data in " + broker.dataDir() + (broker.clientProperties().isEmpty() ? "" : ", SASL/SCRAM-SHA-512") + ")" : " (external)")
                        + (created.isEmpty() ? "" : ", created " + created.size() + " topics"));
                components.describe().forEach(System.out::println);
                System.out.println("Stop with Ctrl-C. Flush deferred mail with 'outflow flush'"
                        + (hup ? " or kill -HUP " + ProcessHandle.current().pid() + "." : " (SIGHUP is ignored by this process)."));
                System.out.flush();
                shutdown.await();
                System.out.println("Stopping...");
            }
        } finally {
            if (broker != null) broker.close();
            shutdown.done();
        }
        System.out.println("Stopped.");
        return 0;
    }
}

package dev.outflow.app;

import dev.outflow.core.config.Config;

/** Runs single-stage commands: load config, start the stage, print where it listens, wait for a signal. */
final class Runner {
    interface Starter {
        void start(Components components) throws Exception;
    }

    private Runner() {}

    static int run(ConfigOptions options, Starter starter) throws Exception {
        var loader = options.loader();
        Config config = loader.load();
        Context ctx = Context.of(config);
        ctx.ensureTopics();
        Shutdown shutdown = new Shutdown();
        try (Components components = new Components(ctx, loader)) {
            starter.start(components);
            Signals.onHangup(() -> ControlCommands.send(ctx, dev.outflow.avro.Command.FLUSH, "SIGHUP"));
            components.describe().forEach(System.out::println);
            shutdown.await();
        } finally {
            shutdown.done();
        }
        return 0;
    }
}

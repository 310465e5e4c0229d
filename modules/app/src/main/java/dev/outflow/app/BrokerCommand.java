package dev.outflow.app;

import dev.outflow.broker.EmbeddedBroker;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.HostPort;
import dev.outflow.core.config.OutflowKeys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow broker}: only the embedded broker, until Ctrl-C. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run the embedded single-node Kafka broker (data in data.dir, listener broker.listen) until stopped.")
final class BrokerCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        Shutdown shutdown = new Shutdown();
        try (EmbeddedBroker broker = startBroker(config)) {
            System.out.println("broker listening on " + broker.bootstrapServers() + " (data in " + broker.dataDir() + ")");
            shutdown.await();
        } finally {
            shutdown.done();
        }
        return 0;
    }

    static EmbeddedBroker startBroker(Config config) {
        HostPort listen = config.get(OutflowKeys.BROKER_LISTEN);
        long maxMessage = config.get(OutflowKeys.MAX_MESSAGE_BYTES);
        return EmbeddedBroker.builder(config.get(OutflowKeys.DATA_DIR))
                .listen(listen.host(), listen.port())
                .fsync(config.get(OutflowKeys.BROKER_FSYNC))
                .property("message.max.bytes", String.valueOf(Math.max(maxMessage * 2 + 65536, 16L << 20)))
                .build()
                .start();
    }
}

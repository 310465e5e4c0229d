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

    /**
     * Starts the embedded broker of {@code broker.*}, with SASL/SCRAM when {@code broker.sasl_user} is set.
     *
     * @throws dev.outflow.core.config.ConfigException when it would be open to the network ({@link BrokerAccess})
     */
    static EmbeddedBroker startBroker(Config config) {
        BrokerAccess.check(config);
        HostPort listen = config.get(OutflowKeys.BROKER_LISTEN);
        long maxMessage = config.get(OutflowKeys.MAX_MESSAGE_BYTES);
        EmbeddedBroker.Builder b = EmbeddedBroker.builder(config.get(OutflowKeys.DATA_DIR))
                .listen(listen.host(), listen.port())
                .fsync(config.get(OutflowKeys.BROKER_FSYNC))
                .property("message.max.bytes", String.valueOf(Math.max(maxMessage * 2 + 65536, 16L << 20)));
        String user = config.get(OutflowKeys.BROKER_SASL_USER);
        if (user != null && !user.isBlank()) b.scram(user, config.get(OutflowKeys.BROKER_SASL_PASSWORD));
        return b.build().start();
    }
}

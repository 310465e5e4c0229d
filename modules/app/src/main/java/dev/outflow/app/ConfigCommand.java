package dev.outflow.app;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigKey;
import dev.outflow.core.config.OutflowKeys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code outflow config}: prints every key with type, default, current value, origin and doc. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the configuration table: every key, its type, default, effective value and where it came from.")
final class ConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--check", description = "Only validate the configuration (exit 2 naming the bad key).")
    boolean check;

    @Override
    public Integer call() {
        Config config = options.load();
        if (check) {
            System.out.println("configuration ok");
            return 0;
        }
        for (ConfigKey<?> key : OutflowKeys.all().values()) {
            String value = config.raw().get(key.name());
            System.out.printf("%s = %s%n", key.name(), value == null ? "(unset)" : value);
            System.out.printf("    %s, default %s%s, from %s%n", key.type().form(),
                    key.defaultValue() == null ? "(unset)" : "'" + key.defaultValue() + "'",
                    key.hot() ? ", hot-reloaded" : "", config.origin(key.name()));
            System.out.printf("    %s%n    env %s%n", key.doc(), key.envName());
        }
        System.out.println(OutflowKeys.KAFKA_CLIENT_PREFIX + "<name> = passed as <name> to every Kafka client (e.g. security.protocol)");
        return 0;
    }
}

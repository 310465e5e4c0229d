package dev.outflow.app;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every command takes: {@code --config FILE} and repeatable {@code --set key=value}. */
public final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (default: config/outflow.properties, if present).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key; repeatable; wins over file and environment.")
    List<String> sets = List.of();

    public ConfigLoader loader() {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String s : sets) {
            var e = ConfigLoader.parseSet(s);
            overrides.put(e.getKey(), e.getValue());
        }
        return ConfigLoader.forProcess(file, overrides);
    }

    public Config load() {
        return loader().load();
    }
}

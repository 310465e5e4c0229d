package dev.outflow.app;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow topics create}: creates every Outflow topic that is missing. */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "Manage Outflow's topics.",
        subcommands = TopicsCommand.Create.class)
final class TopicsCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create the missing topics with their partitions and configs, warming new partitions (idempotent).")
    static final class Create implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() {
            Context ctx = Context.of(options.load());
            List<String> created = ctx.ensureTopics();
            for (var spec : ctx.topicSpecs()) {
                System.out.printf("%-28s %3d partitions  %-7s  replication %s%s%n", spec.name(), spec.partitions(),
                        created.contains(spec.name()) ? "created" : "exists",
                        spec.replicationFactor() < 0 ? "broker default" : Integer.toString(spec.replicationFactor()),
                        spec.configs().containsKey("min.insync.replicas") ? ", min.insync.replicas " + spec.configs().get("min.insync.replicas") : "");
            }
            return 0;
        }
    }
}

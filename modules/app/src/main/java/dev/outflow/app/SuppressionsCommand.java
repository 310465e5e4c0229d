package dev.outflow.app;

import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionList;
import dev.outflow.codec.suppression.SuppressionPublisher;
import dev.outflow.codec.suppression.SuppressionRecords;
import dev.outflow.core.config.OutflowKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outflow suppressions list|add|remove}: reads and writes the suppressions topic directly,
 * so it works whether or not reporting runs. The list is global (not per sender domain).
 */
@Command(name = "suppressions", mixinStandardHelpOptions = true,
        description = "The suppression list: addresses refused at intake (added by bad-mailbox bounces or by hand).",
        subcommands = {SuppressionsCommand.ListCmd.class, SuppressionsCommand.Add.class, SuppressionsCommand.Remove.class})
final class SuppressionsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static SuppressionList read(Context ctx) throws InterruptedException {
        return new SuppressionList(ctx.kafka(), ctx.topics().suppressions()).start(Duration.ofSeconds(30));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the addresses suppressed now, one per line.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            try (SuppressionList list = read(Context.of(options.load()))) {
                for (Suppression s : list.active()) {
                    System.out.printf("%s  %s  until %s  %s%n", s.address(), s.source(),
                            s.expiresAt() == 0 ? "forever" : Instant.ofEpochMilli(s.expiresAt()).toString(), s.reason());
                }
            }
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Suppress an address.")
    static final class Add implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Option(names = "--reason", description = "Why (shown in SMTP replies and REJECTED events).", defaultValue = "added by operator")
        String reason;

        @Option(names = "--ttl", description = "How long, e.g. 30d, 12h, or 'never' (default: suppression.ttl).")
        String ttl;

        @Override
        public Integer call() {
            var config = options.load();
            String key = key(address);
            Duration t = ttl == null ? config.get(OutflowKeys.SUPPRESSION_TTL) : parseTtl(ttl);
            long now = System.currentTimeMillis();
            Suppression s = new Suppression(key, reason, Suppression.MANUAL, null, now, t.isZero() ? 0 : now + t.toMillis());
            Context ctx = Context.of(config);
            try (SuppressionPublisher p = new SuppressionPublisher(ctx.kafka(), ctx.topics().suppressions())) {
                p.add(s);
            }
            System.out.println(key + " suppressed" + (s.expiresAt() == 0 ? "" : " until " + Instant.ofEpochMilli(s.expiresAt())));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an address from the list.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        public Integer call() throws Exception {
            String key = key(address);
            Context ctx = Context.of(options.load());
            Optional<Suppression> was;
            try (SuppressionList list = read(ctx)) {
                was = list.find(key);
            }
            if (was.isEmpty()) throw new IllegalStateException(key + " is not suppressed");
            try (SuppressionPublisher p = new SuppressionPublisher(ctx.kafka(), ctx.topics().suppressions())) {
                p.remove(key);
            }
            System.out.println(key + " removed");
            return 0;
        }
    }

    private static String key(String address) {
        try {
            return SuppressionRecords.key(address);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
    }

    private static Duration parseTtl(String v) {
        if (v.equalsIgnoreCase("never")) return Duration.ZERO;
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*(s|m|h|d)").matcher(v.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new Main.UsageException("--ttl '" + v + "' must look like 3600s, 90m, 12h, 30d or never");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}

package dev.outflow.app;

import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow dlq list}: one line per dead letter (when, where from, key, endpoint, reason), then a count. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List dead letters: time, DLQ partition/offset, the topic/partition/offset it failed on, its key (webhooks: the endpoint) and the reason.")
final class DlqListCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    DlqFilter filter;

    @Override
    public Integer call() {
        Instant from = filter.from(Instant.now());
        Context ctx = Context.of(options.load());
        String topic = filter.dlqTopic(ctx);
        int[] shown = {0};
        DlqReader.read(ctx, topic, d -> {
            if (!filter.matches(d, from)) return;
            shown[0]++;
            String to = filter.webhooks ? "  to " + (d.endpoint() == null ? "?" : d.endpoint()) : "";
            System.out.printf("%s  %d/%d  from %s  key %s%s  %s%n", d.timestamp(), d.record().partition(), d.record().offset(),
                    d.source(), d.key(), to, d.reason().replace('\n', ' '));
        });
        System.out.println(shown[0] + " dead letter" + (shown[0] == 1 ? "" : "s"));
        return 0;
    }
}

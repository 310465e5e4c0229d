package dev.outflow.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outflow.codec.cancel.CancelRecords;
import dev.outflow.codec.cancel.Cancellation;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outflow cancel ID} and {@code outflow cancel --domain D [--older-than T]}: queued mail
 * ends as DROPPED "cancelled by operator" at its next attempt, with no DSN (Postfix's
 * {@code postsuper -d}). A message id is checked against tracking (reporting's /api): unknown or
 * already finished → exit 1 with one line. A domain cancellation is written to the
 * cancellations topic directly and covers the mail to that domain queued before now (or before
 * now minus {@code --older-than}); mail queued afterwards is not affected.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = "Cancel queued mail: a message id (checked with reporting's /api), or everything to a domain.")
final class CancelCommand implements Callable<Integer> {
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.?");

    @Mixin
    ConfigOptions options;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "The message id to cancel.")
    String id;

    @Option(names = "--domain", paramLabel = "D", description = "Cancel the queued mail to this recipient domain instead.")
    String domain;

    @Option(names = "--older-than", paramLabel = "T", description = "With --domain: only mail queued more than T ago (e.g. 90m, 12h, 2d).")
    String olderThan;

    @Override
    public Integer call() {
        if ((id == null) == (domain == null)) throw new Main.UsageException("give a message ID or --domain D (not both)");
        if (id != null) {
            if (olderThan != null) throw new Main.UsageException("--older-than goes with --domain");
            JsonNode body = new ApiClient(options.load()).post("/api/messages/" + ApiClient.encode(id.strip()) + "/cancel");
            StringBuilder pending = new StringBuilder();
            body.path("pending").forEach(p -> pending.append(pending.isEmpty() ? "" : ", ").append(p.asText()));
            System.out.println("cancelled " + id.strip() + ": dropped at the next attempt: " + pending);
            return 0;
        }
        String d = domain.strip().toLowerCase(Locale.ROOT);
        if (!DOMAIN.matcher(d).matches()) throw new Main.UsageException("--domain '" + domain + "' is not a domain name");
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        long now = System.currentTimeMillis();
        long before = olderThan == null ? now : now - age(olderThan).toMillis();
        Context ctx = Context.of(options.load());
        CancelRecords.publish(ctx.kafka(), ctx.topics().cancellations(),
                new Cancellation(null, d, before, now, System.getProperty("user.name", "")));
        System.out.println("cancelled mail to " + d + " queued before " + Instant.ofEpochMilli(before)
                + ": dropped at its next attempt (see outflow events)");
        return 0;
    }

    private static Duration age(String v) {
        var m = Pattern.compile("(\\d+)\\s*(s|m|h|d)").matcher(v.strip());
        if (!m.matches()) throw new Main.UsageException("--older-than '" + v + "' must look like 3600s, 90m, 12h or 2d");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}

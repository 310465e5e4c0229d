package dev.outflow.app;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The options choosing dead letters: {@code --webhooks} (which DLQ), {@code --topic} (where they
 * came from), {@code --endpoint} (webhooks only) and {@code --since}.
 */
final class DlqFilter {
    private static final Pattern AGO = Pattern.compile("(\\d+)\\s*(s|m|h|d)");

    @Option(names = "--webhooks",
            description = "The webhooks DLQ (events an endpoint did not take within webhooks.max_age) instead of the DLQ of the stages.")
    boolean webhooks;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "With --webhooks: only events meant for this endpoint (as logs show it: scheme://host:port/path).")
    String endpoint;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "Only records that failed on this topic (their outflow.source.topic header), e.g. outflow.outbound.")
    String topic;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Only records dead-lettered at or after TIME: an instant (2026-12-03T10:00:00Z, or with an offset) or an age (30m, 2h, 1d).")
    String since;

    /** The DLQ these options read. */
    String dlqTopic(Context ctx) {
        if (endpoint != null && !webhooks) throw new Main.UsageException("--endpoint needs --webhooks: only the webhooks DLQ names endpoints");
        return webhooks ? ctx.topics().webhooksDlq() : ctx.topics().dlq();
    }

    /** The earliest DLQ timestamp wanted, or {@link Instant#EPOCH}. */
    Instant from(Instant now) {
        if (since == null || since.isBlank()) return Instant.EPOCH;
        String s = since.trim();
        Matcher m = AGO.matcher(s.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d);
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            throw new Main.UsageException("--since: '" + since + "' is neither an instant like 2026-12-03T10:00:00Z nor an age like 30m, 2h, 1d");
        }
    }

    boolean matches(DeadLetter d, Instant from) {
        return !d.timestamp().isBefore(from) && (topic == null || topic.equals(d.sourceTopic()))
                && (endpoint == null || endpoint.equals(d.endpoint()));
    }
}

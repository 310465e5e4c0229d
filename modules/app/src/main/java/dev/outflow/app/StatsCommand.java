package dev.outflow.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code outflow stats [--domain D]}: delivery statistics per window, overall or for one domain, from reporting's /api. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Recipients delivered, deferred, bounced, dropped, rejected per 1m or 1h window, with delay percentiles (asks reporting's /api).")
final class StatsCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--domain", paramLabel = "D", description = "One recipient domain (default: all domains).")
    String domain;

    @Option(names = "--window", paramLabel = "1m|1h", description = "Window size (default: ${DEFAULT-VALUE}).", defaultValue = "1h")
    String window;

    @Option(names = "--last", paramLabel = "N", description = "Number of windows (default: 60 of 1m, 24 of 1h).")
    Integer last;

    @Option(names = "--json", description = "Print the API's JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        if (!window.equals("1m") && !window.equals("1h")) throw new Main.UsageException("--window must be 1m or 1h");
        ApiClient api = new ApiClient(options.load());
        String q = "?window=" + window + (last == null ? "" : "&last=" + last)
                + (domain == null ? "" : "&domain=" + ApiClient.encode(domain.strip().toLowerCase(java.util.Locale.ROOT)));
        JsonNode body = api.get("/api/stats" + q);
        if (domain != null && body.path("windows").isEmpty()) {
            throw new IllegalStateException("no statistics for domain " + domain.strip() + " in the last " + window + " windows");
        }
        if (json) {
            System.out.println(body.toPrettyString());
            return 0;
        }
        System.out.printf("%-20s %9s %9s %9s %8s %8s %9s %9s %9s  %s%n", "window (" + window + ")", "delivered", "deferred", "bounced",
                "dropped", "rejected", "p50 ms", "p95 ms", "p99 ms", "top bounce reason");
        for (JsonNode w : body.path("windows")) {
            JsonNode d = w.path("delayMs");
            JsonNode top = w.path("topBounceReasons").path(0);
            System.out.printf("%-20s %9d %9d %9d %8d %8d %9s %9s %9s  %s%n", Instant.ofEpochMilli(w.path("start").asLong()).toString().substring(0, 16) + "Z",
                    w.path("delivered").asLong(), w.path("deferred").asLong(), w.path("bounced").asLong(), w.path("dropped").asLong(),
                    w.path("rejected").asLong(), d.path("p50").asText("-"), d.path("p95").asText("-"), d.path("p99").asText("-"),
                    top.isMissingNode() ? "" : top.path("reason").asText() + " (" + top.path("count").asLong() + ")");
        }
        if (body.path("windows").isEmpty()) System.out.println("(no traffic in these windows)");
        if (body.has("domains") && !body.path("domains").isEmpty()) {
            System.out.println();
            System.out.printf("%-30s %9s %9s %9s%n", "busiest domains", "delivered", "deferred", "bounced");
            body.path("domains").forEach(d -> System.out.printf("%-30s %9d %9d %9d%n", d.path("domain").asText(),
                    d.path("delivered").asLong(), d.path("deferred").asLong(), d.path("bounced").asLong()));
        }
        return 0;
    }
}

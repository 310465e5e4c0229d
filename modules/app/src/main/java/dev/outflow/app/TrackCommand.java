package dev.outflow.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outflow track ID|ADDRESS}: what happened to a message, or to the messages sent to an
 * address within {@code reporting.retention}, asked from reporting's /api. Unknown → exit 1.
 */
@Command(name = "track", mixinStandardHelpOptions = true,
        description = "Show what happened to a message id, or to the recent messages to an address (asks reporting's /api).")
final class TrackCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(paramLabel = "ID|ADDRESS", description = "A message id, or a recipient address (contains @).")
    String what;

    @Option(names = "--json", description = "Print the API's JSON instead of text.")
    boolean json;

    @Override
    public Integer call() {
        ApiClient api = new ApiClient(options.load());
        JsonNode body = what.contains("@")
                ? api.get("/api/messages?rcpt=" + ApiClient.encode(what.strip()))
                : api.get("/api/messages/" + ApiClient.encode(what.strip()));
        if (json) {
            System.out.println(body.toPrettyString());
            return 0;
        }
        if (body.has("messages")) {
            body.path("messages").forEach(TrackCommand::print);
        } else {
            print(body);
        }
        return 0;
    }

    private static void print(JsonNode m) {
        System.out.printf("message %s from <%s>  first seen %s  state %s%n", m.path("id").asText(), m.path("mailFrom").asText(""),
                time(m.path("firstSeen").asLong()), m.path("state").asText());
        if (m.hasNonNull("dsnOf")) System.out.println("  (delivery status notification for " + m.path("dsnOf").asText() + ")");
        m.path("recipients").forEach(r -> {
            StringBuilder sb = new StringBuilder("  ").append(r.path("address").asText()).append("  ").append(r.path("state").asText());
            if (r.hasNonNull("code") && r.path("code").asInt() > 0) sb.append("  ").append(r.path("code").asInt());
            if (r.hasNonNull("enhancedCode")) sb.append(' ').append(r.path("enhancedCode").asText());
            if (r.hasNonNull("bounceClass")) sb.append("  [").append(r.path("bounceClass").asText()).append(']');
            if (r.hasNonNull("host")) sb.append("  via ").append(r.path("host").asText()).append(" [").append(r.path("ip").asText()).append(']')
                    .append(r.path("tls").asBoolean() ? " TLS" : "");
            if (r.hasNonNull("nextAttemptAt")) sb.append("  next attempt ").append(time(r.path("nextAttemptAt").asLong()));
            sb.append("  at ").append(time(r.path("at").asLong()));
            System.out.println(sb);
            if (r.hasNonNull("response") && !r.path("response").asText().isEmpty()) {
                System.out.println("      " + r.path("response").asText());
            } else if (r.hasNonNull("reason")) {
                System.out.println("      " + r.path("reason").asText());
            }
            if (r.path("history").size() > 1) {
                r.path("history").forEach(h -> System.out.printf("      %s  %s  %s%n", time(h.path("at").asLong()),
                        h.path("outcome").asText(), h.path("response").asText("")));
            }
        });
    }

    private static String time(long ms) {
        return ms <= 0 ? "-" : Instant.ofEpochMilli(ms).toString();
    }
}

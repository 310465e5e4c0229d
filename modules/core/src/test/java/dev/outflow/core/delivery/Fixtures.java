package dev.outflow.core.delivery;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.mx.MxLookup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shared test data for delivery tests: config, messages, deliverers, a closed port. */
final class Fixtures {
    static final Instant QUEUED_AT = Instant.parse("2025-01-01T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(QUEUED_AT.plusSeconds(42), ZoneOffset.UTC);

    private Fixtures() {}

    /** Test config: short timeouts, {@code me} set, loopback MXs allowed; extra key/value pairs override. */
    static Config config(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        m.put("me", "outflow.test");
        m.put("outbound.connect_timeout", "2s");
        m.put("outbound.command_timeout", "5s");
        m.put("outbound.data_timeout", "5s");
        m.put("outbound.allow_private", "true"); // every fake MX listens on 127.0.0.x
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return Config.of(m);
    }

    static Deliverer deliverer(MxLookup mx, Config config) {
        return new Deliverer(() -> config, PluginChain.empty(), mx, Clock.systemUTC());
    }

    static Deliverer deliverer(MxLookup mx, Config config, PluginChain plugins) {
        return new Deliverer(() -> config, plugins, mx, CLOCK);
    }

    static byte[] message(String subject, String body) {
        return ("From: sender@outflow.test\r\nTo: someone@example.com\r\nSubject: " + subject + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    static Delivery delivery(List<String> recipients) {
        return delivery("sender@outflow.test", recipients, message("test", "Hello.\r\n"));
    }

    static Delivery delivery(String from, List<String> recipients, byte[] contents) {
        String domain = recipients.get(0).substring(recipients.get(0).indexOf('@') + 1);
        return new Delivery("msg-1", from, recipients, domain, contents, QUEUED_AT, 0, Map.of(), null, null);
    }

    /** A port on the address where nothing listens (bound, then released). */
    static int closedPort(String ip) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.outflow.core.hooks;

import java.time.Duration;
import java.util.List;

/** The delivered hook's parameters, as Haraka's {@code [host, ip, response, delay, port, mode, ok_recips]}. */
public record Delivered(String host, String ip, String response, Duration delay, int port, String mode, List<String> okRecipients) {
    public Delivered {
        okRecipients = List.copyOf(okRecipients);
    }
}

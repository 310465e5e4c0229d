package dev.outflow.core.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one delivery attempt of a {@link Delivery} produced: a result for every recipient, and the
 * server that gave them (null fields when none was reached).
 *
 * @param recipients one result per recipient of the delivery, in the same order
 * @param host       MX host name reached, or null
 * @param ip         its address, or null
 * @param port       its port, 0 when none
 * @param mode       "SMTP" or "LMTP", or null
 * @param tls        STARTTLS was used
 * @param delay      when not null, the send_email hook postponed the attempt by this much: every
 *                   recipient is DEFERRED, not counted as a failure
 * @param dsnPassedOn the server offered DSN and received the RFC 3461 options (success notices are its job)
 * @param tlsPolicy  the TLS policy the attempt ran under ({@code may}, {@code verify}, {@code mta-sts/enforce}...), or null
 *                   when no connection was tried
 */
public record DeliveryResult(List<RecipientResult> recipients, String host, String ip, int port, String mode,
                             boolean tls, Duration delay, boolean dsnPassedOn, String tlsPolicy) {
    public DeliveryResult(List<RecipientResult> recipients, String host, String ip, int port, String mode,
                          boolean tls, Duration delay, boolean dsnPassedOn) {
        this(recipients, host, ip, port, mode, tls, delay, dsnPassedOn, null);
    }

    public DeliveryResult(List<RecipientResult> recipients, String host, String ip, int port, String mode, boolean tls, Duration delay) {
        this(recipients, host, ip, port, mode, tls, delay, false);
    }

    public DeliveryResult {
        recipients = List.copyOf(recipients);
    }

    /** Every recipient gets the same result, with no server reached (DNS failure, all MXs down). */
    public static DeliveryResult all(List<String> recipients, int code, String enhancedCode, String response) {
        return new DeliveryResult(recipients.stream().map(r -> RecipientResult.of(r, code, enhancedCode, response)).toList(),
                null, null, 0, null, false, null);
    }

    /** The send_email hook said DELAY. */
    public static DeliveryResult delayed(List<String> recipients, Duration delay) {
        return new DeliveryResult(recipients.stream()
                .map(r -> new RecipientResult(r, RecipientResult.Status.DEFERRED, 0, null, "delayed by send_email hook"))
                .toList(), null, null, 0, null, false, delay);
    }

    public List<RecipientResult> with(RecipientResult.Status status) {
        return recipients.stream().filter(r -> r.status() == status).toList();
    }

    public Map<RecipientResult.Status, List<RecipientResult>> byStatus() {
        return recipients.stream().collect(Collectors.groupingBy(RecipientResult::status));
    }
}

package dev.outflow.reporting;

/**
 * One outcome of one recipient in its history, as tracking shows it.
 *
 * @param at          when the outcome was decided, epoch ms
 * @param outcome     {@code delivered}, {@code deferred}, {@code bounced}, {@code dropped}, {@code rejected}
 * @param attempt     the event's attempt count (see {@code DeliveryEvent.attempt})
 * @param code        SMTP reply code, 0 when no server answered
 * @param bounceClass class of a failure (null for deliveries)
 */
public record Attempt(long at, String outcome, int attempt, int code, String enhancedCode, String response,
                      String bounceClass, String host, String ip, boolean tls, long delayMs) {
}

package dev.outflow.submission.smtpd.internal;

import dev.outflow.submission.smtpd.RelayNetworks;
import dev.outflow.submission.smtpd.UsersFile;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * What every session of one listener shares, read once from config at start. Immutable.
 *
 * @param queueWait        how long DATA waits for the broker's acknowledgement before 451 4.3.0
 * @param authFailureDelay how long a failed AUTH waits before its 535 (slows password guessing)
 */
public record SmtpdSettings(String me, long maxMessageBytes, int maxRecipients, Duration timeout, Duration queueWait,
                            boolean authRequiresTls, RelayNetworks relayNetworks, UsersFile users, SSLContext tls,
                            Duration authFailureDelay, Clock clock) {
}

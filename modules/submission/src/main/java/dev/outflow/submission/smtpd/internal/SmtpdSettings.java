package dev.outflow.submission.smtpd.internal;

import dev.outflow.submission.smtpd.RelayNetworks;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * What every session of one listener shares, read once from config at start. Immutable (the
 * limits and password checks it holds are thread-safe services).
 *
 * @param queueWait        how long DATA waits for the broker's acknowledgement before 451 4.3.0
 * @param authFailureDelay how long a client's first failed AUTH waits before its 535 (slows password guessing; grows with its recent failures)
 * @param junkLimit        RSET/NOOP/VRFY/HELP per session before each further one counts as an error
 * @param maxSessionTime   the longest session, however busy
 */
public record SmtpdSettings(String me, long maxMessageBytes, int maxRecipients, Duration timeout, Duration queueWait,
                            boolean authRequiresTls, RelayNetworks relayNetworks, PasswordChecks passwords, ClientLimits limits,
                            int junkLimit, Duration maxSessionTime, SSLContext tls, Duration authFailureDelay, Clock clock) {
}

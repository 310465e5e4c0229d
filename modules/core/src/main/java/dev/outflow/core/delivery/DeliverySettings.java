package dev.outflow.core.delivery;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.smtp.SessionSettings;
import dev.outflow.core.tls.TlsLevel;
import dev.outflow.core.tls.TlsTrust;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The configuration one delivery uses, read from a {@link Config} snapshot. The deliverer
 * rebuilds it when the snapshot changes, so the hot key {@code outbound.enable_tls} applies to the
 * next delivery. Immutable.
 *
 * @param me              EHLO name ({@code me})
 * @param enableTls       {@code outbound.enable_tls}
 * @param smtpPort        {@code outbound.smtp_port}, for routes without a port
 * @param bind            {@code outbound.bind}, or null
 * @param session         connect, command and data timeouts with {@code me}
 * @param poolIdle        {@code outbound.pool_idle}
 * @param poolMaxMessages {@code outbound.pool_max_messages}
 * @param limits          what one attempt may cost: time, addresses, sessions, recipients per transaction
 * @param allowPrivate    {@code outbound.allow_private}
 * @param hopLimit        {@code outbound.hop_limit}
 * @param tlsPolicy       {@code tls.policy}, {@code none} when {@code outbound.enable_tls} is false
 */
public record DeliverySettings(String me, boolean enableTls, int smtpPort, InetAddress bind, SessionSettings session,
                               Duration poolIdle, int poolMaxMessages, Limits limits, boolean allowPrivate, int hopLimit,
                               TlsLevel tlsPolicy) {

    /**
     * Bounds of one delivery attempt; a count of 0 means no limit.
     *
     * @param transactionTimeout {@code outbound.transaction_timeout}
     * @param mxAddresses        {@code outbound.mx_address_limit}
     * @param mxSessions         {@code outbound.mx_session_limit}
     * @param recipients         {@code outbound.recipient_limit}
     */
    public record Limits(Duration transactionTimeout, int mxAddresses, int mxSessions, int recipients) {
        public Limits {
            if (recipients < 1) throw new IllegalArgumentException("recipients per transaction must be at least 1");
        }
    }

    /** @throws IllegalArgumentException when {@code outbound.bind} is not an IP address */
    public static DeliverySettings from(Config c) {
        String me = c.me();
        return new DeliverySettings(me, c.get(OutflowKeys.ENABLE_TLS), c.get(OutflowKeys.SMTP_PORT), ipLiteral(c.get(OutflowKeys.BIND)),
                new SessionSettings(me, c.get(OutflowKeys.CONNECT_TIMEOUT), c.get(OutflowKeys.COMMAND_TIMEOUT), c.get(OutflowKeys.DATA_TIMEOUT),
                        trust(c)),
                c.get(OutflowKeys.POOL_IDLE), c.get(OutflowKeys.POOL_MAX_MESSAGES),
                new Limits(c.get(OutflowKeys.TRANSACTION_TIMEOUT), c.get(OutflowKeys.MX_ADDRESS_LIMIT), c.get(OutflowKeys.MX_SESSION_LIMIT),
                        c.get(OutflowKeys.RECIPIENT_LIMIT)),
                c.get(OutflowKeys.ALLOW_PRIVATE), c.get(OutflowKeys.HOP_LIMIT),
                c.get(OutflowKeys.ENABLE_TLS) ? TlsLevel.parse(c.get(OutflowKeys.TLS_POLICY)) : TlsLevel.NONE);
    }

    /** {@code tls.ca_file}, or null for the system trust store. */
    public static TlsTrust trust(Config c) {
        String file = c.get(OutflowKeys.TLS_CA_FILE);
        return file.isBlank() ? null : TlsTrust.fromPem(OutflowKeys.caFile(file));
    }

    /**
     * Parses an IP address without any DNS lookup; null or blank gives null.
     *
     * @throws IllegalArgumentException for a host name or garbage
     */
    static InetAddress ipLiteral(String s) {
        if (s == null || s.isBlank()) return null;
        String v = s.trim();
        if (v.startsWith("[") && v.endsWith("]")) v = v.substring(1, v.length() - 1);
        boolean literal = v.indexOf(':') >= 0 || (!v.isEmpty() && v.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9')));
        if (!literal) throw new IllegalArgumentException("'" + s + "' is not an IP address");
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address", e);
        }
    }
}

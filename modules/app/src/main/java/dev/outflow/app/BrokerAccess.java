package dev.outflow.app;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.HostPort;
import dev.outflow.core.config.OutflowKeys;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who may reach the embedded broker. It listens on loopback unless {@code broker.listen} says
 * otherwise; an address reachable from the network without SASL ({@code broker.sasl_user}) would
 * let anyone who reaches it read every queued message and write mail to the outbound topic, so the
 * process refuses to start (exit 2) unless {@code broker.allow_insecure=true} says that is meant.
 */
final class BrokerAccess {
    private BrokerAccess() {}

    /** @throws ConfigException naming the key when the broker would be open to the network, or SASL is half-configured */
    static void check(Config config) {
        String user = config.get(OutflowKeys.BROKER_SASL_USER);
        String password = config.get(OutflowKeys.BROKER_SASL_PASSWORD);
        boolean sasl = user != null && !user.isBlank();
        if (sasl && (password == null || password.isEmpty())) {
            throw new ConfigException(OutflowKeys.BROKER_SASL_PASSWORD.name(), "not set, but broker.sasl_user is: SCRAM needs both");
        }
        if (!sasl && password != null && !password.isEmpty()) {
            throw new ConfigException(OutflowKeys.BROKER_SASL_USER.name(), "not set, but broker.sasl_password is: SCRAM needs both");
        }
        HostPort listen = config.get(OutflowKeys.BROKER_LISTEN);
        if (sasl || config.get(OutflowKeys.BROKER_ALLOW_INSECURE) || isLoopback(listen.host())) return;
        throw new ConfigException(OutflowKeys.BROKER_LISTEN.name(), "'" + listen + "' is reachable from other machines, and the embedded broker"
                + " would accept anyone who connects (read every queued message, queue mail): set broker.sasl_user and broker.sasl_password"
                + " (SASL/SCRAM), use a loopback address, or set broker.allow_insecure=true if the network is trusted");
    }

    /** True when every address the host names is a loopback address (a wildcard or unresolvable name is not). */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.isEmpty()) return false;
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) if (!a.isLoopbackAddress()) return false;
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}

package dev.outflow.broker.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kafka server properties of a single-node KRaft broker that is both broker and controller.
 * Defaults suit one node on a small machine: replication factor 1 everywhere, few internal
 * partitions (faster start-up), no auto-created topics, no initial rebalance delay.
 *
 * <p>The controller listener is bound to loopback whatever the client listener's address: nothing
 * outside this machine has a reason to talk to it. With SCRAM ({@link Sasl}), the client listener
 * requires SCRAM-SHA-512, and the broker's own traffic (inter-broker, controller) uses SASL/PLAIN
 * on loopback with a secret made up at each start, known to this process only.
 */
public final class BrokerProperties {
    public static final String BROKER_LISTENER = "PLAINTEXT";
    public static final String SASL_LISTENER = "SASL_PLAINTEXT";
    public static final String INTERNAL_LISTENER = "INTERNAL";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    public static final String INTERNAL_USER = "outflow-internal";
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    /** SASL settings of one start: the internal listener's port and secret. */
    public record Sasl(int internalPort, String internalSecret) {
        /** Settings for one start: a fresh secret (URL-safe Base64 of 32 random bytes). */
        public static Sasl fresh(int internalPort) {
            byte[] b = new byte[32];
            new java.security.SecureRandom().nextBytes(b);
            return new Sasl(internalPort, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b));
        }

        /** JAAS of the internal PLAIN login: this process is both the only user and its client. */
        public String internalJaas() {
            return "org.apache.kafka.common.security.plain.PlainLoginModule required username=" + quote(INTERNAL_USER)
                    + " password=" + quote(internalSecret) + " user_" + INTERNAL_USER + "=" + quote(internalSecret) + ";";
        }
    }
    public static final int NODE_ID = 1;
    /** Large enough for outbound.max_message_bytes (10 MiB default) plus batch overhead. */
    public static final int MESSAGE_MAX_BYTES = 16 * 1024 * 1024;

    private BrokerProperties() {
    }

    /**
     * @param host          listen host (also advertised unless it is a wildcard address)
     * @param brokerPort    client listener port
     * @param controllerPort KRaft controller listener port
     * @param logDir        Kafka log directory (also holds the metadata log)
     * @param fsync         flush every append to disk
     * @param sasl          SCRAM on the client listener, or null for none
     * @param extra         overrides applied last
     */
    public static Map<String, Object> of(String host, int brokerPort, int controllerPort, Path logDir,
                                         boolean fsync, Sasl sasl, Map<String, ?> extra) {
        String bindHost = urlHost(host);
        String advertisedHost = urlHost(advertisedHost(host));
        String loopback = "127.0.0.1";
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + loopback + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        if (sasl == null) {
            p.put("listeners", BROKER_LISTENER + "://" + bindHost + ":" + brokerPort + ","
                    + CONTROLLER_LISTENER + "://" + loopback + ":" + controllerPort);
            p.put("advertised.listeners", BROKER_LISTENER + "://" + advertisedHost + ":" + brokerPort);
            p.put("inter.broker.listener.name", BROKER_LISTENER);
            p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        } else {
            p.put("listeners", SASL_LISTENER + "://" + bindHost + ":" + brokerPort + "," + INTERNAL_LISTENER + "://" + loopback + ":"
                    + sasl.internalPort() + "," + CONTROLLER_LISTENER + "://" + loopback + ":" + controllerPort);
            p.put("advertised.listeners", SASL_LISTENER + "://" + advertisedHost + ":" + brokerPort + ","
                    + INTERNAL_LISTENER + "://" + loopback + ":" + sasl.internalPort());
            p.put("inter.broker.listener.name", INTERNAL_LISTENER);
            p.put("listener.security.protocol.map", SASL_LISTENER + ":SASL_PLAINTEXT," + INTERNAL_LISTENER + ":SASL_PLAINTEXT,"
                    + CONTROLLER_LISTENER + ":SASL_PLAINTEXT");
            p.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
            p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", SCRAM_MECHANISM);
            p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            for (String internal : new String[] {"internal", "controller"}) {
                p.put("listener.name." + internal + ".sasl.enabled.mechanisms", "PLAIN");
                p.put("listener.name." + internal + ".plain.sasl.jaas.config", sasl.internalJaas());
            }
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            p.put("sasl.mechanism.controller.protocol", "PLAIN");
        }
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "12");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "12");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The default 128 MiB dedupe buffer is wasted heap on a small node.
        p.put("log.cleaner.dedupe.buffer.size", "2097152");
        p.put("message.max.bytes", String.valueOf(MESSAGE_MAX_BYTES));
        p.put("replica.fetch.max.bytes", String.valueOf(MESSAGE_MAX_BYTES));
        // Fewer threads than the defaults (3 network, 8 io): this broker shares a small machine.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        if (fsync) {
            // A single node has no replica to recover acknowledged records from after a power loss.
            p.put("log.flush.interval.messages", "1");
        }
        extra.forEach((k, v) -> p.put(k, String.valueOf(v)));
        return p;
    }

    /** A JAAS option value in double quotes, backslash-escaped. */
    public static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** The host as it appears in a listener URL: IPv6 literals in brackets. */
    public static String urlHost(String host) {
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            return "[" + host + "]";
        }
        return host;
    }

    /** The host clients should connect to: the listen host, or loopback for a wildcard address. */
    public static String advertisedHost(String host) {
        if (isWildcard(host)) {
            return "127.0.0.1";
        }
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }
}

package dev.outflow.broker.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kafka server properties of a single-node KRaft broker that is both broker and controller.
 * Defaults suit one node on a small machine: replication factor 1 everywhere, few internal
 * partitions (faster start-up), no auto-created topics, no initial rebalance delay.
 */
public final class BrokerProperties {
    public static final String BROKER_LISTENER = "PLAINTEXT";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
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
     * @param extra         overrides applied last
     */
    public static Map<String, Object> of(String host, int brokerPort, int controllerPort, Path logDir,
                                         boolean fsync, Map<String, ?> extra) {
        String bindHost = urlHost(host);
        String advertisedHost = urlHost(advertisedHost(host));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + advertisedHost + ":" + controllerPort);
        p.put("listeners", BROKER_LISTENER + "://" + bindHost + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + bindHost + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + advertisedHost + ":" + brokerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
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

package dev.outflow.broker;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outflow.broker.internal.AddressFile;
import dev.outflow.broker.internal.BrokerProperties;
import dev.outflow.broker.internal.DataDirLock;
import dev.outflow.broker.internal.FreePorts;
import dev.outflow.broker.internal.QuietKafkaLogging;
import dev.outflow.broker.internal.ScramUsers;
import dev.outflow.broker.internal.StorageFormat;

/**
 * A single-node Kafka (KRaft, broker and controller in one process) running inside this JVM, for
 * {@code outflow up}, {@code outflow broker} and tests.
 *
 * <p>Its log lives in {@code <dataDir>/kafka}; the directory is formatted on first start only, so
 * topics, records and committed offsets survive restarts on the same data directory. While running
 * it writes its client address to {@code <dataDir>/broker.address} (read it with
 * {@link #readAddress(Path)}) and removes the file on {@link #close()}.
 *
 * <pre>{@code
 * try (EmbeddedBroker broker = EmbeddedBroker.builder(Path.of("data")).listen("127.0.0.1", 9092).build().start()) {
 *     String bootstrap = broker.bootstrapServers();   // "127.0.0.1:9092"
 * }
 * }</pre>
 *
 * <p>With {@link Builder#scram} the client listener requires SASL/SCRAM-SHA-512 with that user and
 * password (the credential is (re)written at every start, so a changed password takes effect on
 * restart); {@link #clientProperties()} are the settings a client needs. The controller listener is
 * always on loopback.
 *
 * <p>Port 0 picks free ports for both listeners; otherwise the controller listens on port + 1.
 * Thread-safe: {@link #start()} and {@link #close()} are synchronized; {@code close} is idempotent.
 * Failures to format, bind or become ready throw {@link BrokerException}. Kafka treats some
 * internal faults as fatal and halts the JVM, as a standalone broker would.
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** File in the data directory holding {@code host:port} while the broker runs. */
    public static final String ADDRESS_FILE = "broker.address";
    /** Sub-directory of the data directory holding Kafka's log. */
    public static final String LOG_DIR = "kafka";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final int AUTO_PORT_ATTEMPTS = 3;

    private final Path dataDir;
    private final String host;
    private final int requestedPort;
    private final boolean fsync;
    private final Map<String, Object> extraProperties;
    private final Duration startTimeout;
    private final String scramUser;
    private final String scramPassword;

    private KafkaRaftServer server;
    private DataDirLock dataDirLock;
    private String bootstrapServers;

    private EmbeddedBroker(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath();
        this.host = b.host;
        this.requestedPort = b.port;
        this.fsync = b.fsync;
        this.extraProperties = Map.copyOf(b.extra);
        this.startTimeout = b.startTimeout;
        this.scramUser = b.scramUser;
        this.scramPassword = b.scramPassword;
    }

    /**
     * The client settings for a broker that requires SCRAM ({@code security.protocol},
     * {@code sasl.mechanism}, {@code sasl.jaas.config}), e.g. for a CLI command joining a running
     * embedded broker.
     */
    public static Map<String, String> scramClientProperties(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", BrokerProperties.SCRAM_MECHANISM,
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username="
                        + BrokerProperties.quote(user) + " password=" + BrokerProperties.quote(password) + ";");
    }

    /** What a client needs besides {@link #bootstrapServers()}: the SCRAM settings, or nothing. */
    public Map<String, String> clientProperties() {
        return scramUser == null ? Map.of() : scramClientProperties(scramUser, scramPassword);
    }

    /** A builder for a broker keeping its state under {@code dataDir}. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /**
     * The address a running embedded broker recorded in {@code dataDir}, if any. A broker that
     * crashed may leave a stale address behind: connecting to it then fails.
     */
    public static Optional<String> readAddress(Path dataDir) {
        return AddressFile.read(dataDir.resolve(ADDRESS_FILE));
    }

    /**
     * Formats the log directory if it is new, starts the broker and waits until it answers an admin
     * {@code describeCluster}. Calling it on a running broker does nothing.
     *
     * @return this broker
     * @throws BrokerException when it cannot start within the start timeout
     */
    public synchronized EmbeddedBroker start() {
        if (server != null) {
            return this;
        }
        QuietKafkaLogging.apply();
        DataDirLock lock;
        try {
            lock = DataDirLock.acquire(dataDir);
        } catch (IOException | IllegalStateException e) {
            throw new BrokerException("cannot lock data directory " + dataDir + ": " + e.getMessage(), e);
        }
        try {
            startLocked();
            dataDirLock = lock;
            return this;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private void startLocked() {
        Path logDir = logDir();
        try {
            if (StorageFormat.formatIfNeeded(logDir, BrokerProperties.CONTROLLER_LISTENER, BrokerProperties.NODE_ID)) {
                LOG.info("Formatted new Kafka log directory {}", logDir);
            }
        } catch (Exception e) {
            throw new BrokerException("cannot format Kafka log directory " + logDir, e);
        }
        int attempts = requestedPort == 0 || scramUser != null ? AUTO_PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            int[] ports = requestedPort == 0 ? FreePorts.two(host) : new int[] {requestedPort, requestedPort + 1};
            BrokerProperties.Sasl sasl = scramUser == null ? null
                    : BrokerProperties.Sasl.fresh(FreePorts.two("127.0.0.1")[0]);
            try {
                startOn(ports[0], ports[1], sasl, logDir);
                return;
            } catch (BrokerException e) {
                if (attempt >= attempts || !causedByBind(e)) {
                    throw e;
                }
                LOG.warn("Port {} or {} was taken before the broker bound it; retrying with other ports", ports[0], ports[1]);
            }
        }
    }

    private void startOn(int brokerPort, int controllerPort, BrokerProperties.Sasl sasl, Path logDir) {
        Map<String, Object> props = BrokerProperties.of(host, brokerPort, controllerPort, logDir, fsync, sasl, extraProperties);
        String address = BrokerProperties.urlHost(BrokerProperties.advertisedHost(host)) + ":" + brokerPort;
        KafkaRaftServer s;
        try {
            s = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        } catch (RuntimeException e) {
            throw new BrokerException("invalid embedded broker configuration: " + e.getMessage(), e);
        }
        try {
            s.startup();
            if (sasl == null) {
                awaitReady(address, Map.of());
            } else {
                Map<String, String> internal = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                        "sasl.jaas.config", sasl.internalJaas());
                awaitReady("127.0.0.1:" + sasl.internalPort(), internal);
                ScramUsers.upsert("127.0.0.1:" + sasl.internalPort(), internal, scramUser, scramPassword);
                awaitReady(address, clientProperties());       // the credential has reached the broker
            }
            AddressFile.write(dataDir.resolve(ADDRESS_FILE), address);
        } catch (Exception e) {
            stopQuietly(s);
            throw new BrokerException("embedded broker on " + address + " (controller port " + controllerPort
                    + ", data " + dataDir + ") failed to start: " + e.getMessage(), e);
        }
        server = s;
        bootstrapServers = address;
        LOG.info("Embedded Kafka broker ready on {} (data {}, fsync {}, {})", address, logDir, fsync,
                sasl == null ? "no authentication" : "SASL/SCRAM-SHA-512 user " + scramUser);
    }

    private void awaitReady(String address, Map<String, String> security) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Properties p = new Properties();
        p.putAll(security);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-broker-readiness");
        Exception last = null;
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
        TimeoutException t = new TimeoutException("broker did not answer describeCluster within " + startTimeout);
        if (last != null) {
            t.initCause(last);
        }
        throw t;
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("embedded broker is not running");
        }
        return bootstrapServers;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Kafka's log directory, {@code <dataDir>/kafka}. */
    public Path logDir() {
        return dataDir.resolve(LOG_DIR);
    }

    /** Shuts the broker down cleanly (flushing logs) and removes the address file. Idempotent. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        KafkaRaftServer s = server;
        server = null;
        bootstrapServers = null;
        try {
            s.shutdown();
            s.awaitShutdown();
        } finally {
            AddressFile.delete(dataDir.resolve(ADDRESS_FILE));
            dataDirLock.close();
            dataDirLock = null;
        }
    }

    private static void stopQuietly(KafkaRaftServer s) {
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("Shutdown after failed start-up failed too", e);
        }
    }

    private static boolean causedByBind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** Configures an {@link EmbeddedBroker}. Not thread-safe. */
    public static final class Builder {
        private final Path dataDir;
        private String host = "127.0.0.1";
        private int port = 0;
        private boolean fsync = true;
        private final Map<String, Object> extra = new LinkedHashMap<>();
        private Duration startTimeout = Duration.ofSeconds(60);
        private String scramUser;
        private String scramPassword;

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        /** Listen host and port; port 0 (the default) picks free ports for broker and controller. */
        public Builder listen(String host, int port) {
            if (port < 0 || port > 65534) {
                throw new IllegalArgumentException("broker port out of range (controller takes port + 1): " + port);
            }
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        /** Fsync every append ({@code log.flush.interval.messages=1}); default true. */
        public Builder fsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /** A Kafka server property, applied after (and overriding) the defaults. */
        public Builder property(String key, Object value) {
            extra.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Kafka server properties, applied after (and overriding) the defaults. */
        public Builder properties(Map<String, ?> props) {
            props.forEach(this::property);
            return this;
        }

        /**
         * Requires SASL/SCRAM-SHA-512 on the client listener with this user and password.
         *
         * @throws IllegalArgumentException when either is empty
         */
        public Builder scram(String user, String password) {
            if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
                throw new IllegalArgumentException("SCRAM user and password must not be empty");
            }
            this.scramUser = user;
            this.scramPassword = password;
            return this;
        }

        /** How long {@link EmbeddedBroker#start()} waits for readiness; default 60 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public EmbeddedBroker build() {
            try {
                Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new BrokerException("cannot create data directory " + dataDir, e);
            }
            return new EmbeddedBroker(this);
        }
    }
}

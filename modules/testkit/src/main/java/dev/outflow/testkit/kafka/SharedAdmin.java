package dev.outflow.testkit.kafka;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.admin.ForwardingAdmin;

/** The cluster's one admin client: tests may close it (try-with-resources) without closing it. */
final class SharedAdmin extends ForwardingAdmin {
    SharedAdmin(Map<String, Object> configs) {
        super(configs);
    }

    @Override
    public void close(Duration timeout) {
        // Shared by every test in the JVM; closed by the cluster's shutdown hook.
    }

    void closeForReal() {
        super.close(Duration.ofSeconds(5));
    }
}

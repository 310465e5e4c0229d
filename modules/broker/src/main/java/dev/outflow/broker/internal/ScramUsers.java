package dev.outflow.broker.internal;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/** Writes the SCRAM credential of the client listener's user through the broker's internal listener. */
public final class ScramUsers {
    /** Kafka's minimum for SCRAM-SHA-512; the salted hash is stored in the metadata log. */
    private static final int ITERATIONS = 8192;

    private ScramUsers() {
    }

    public static void upsert(String internalAddress, Map<String, String> internalSecurity, String user, String password) throws Exception {
        Properties p = new Properties();
        p.putAll(internalSecurity);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, internalAddress);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "outflow-broker-scram");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(p)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password))).all().get(30, TimeUnit.SECONDS);
        }
    }
}

package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.faults.Ledger;
import dev.outflow.acceptance.faults.SmtpInjector;
import dev.outflow.acceptance.faults.SmtpInjector.Fate;
import dev.outflow.acceptance.faults.SmtpInjector.Mail;
import dev.outflow.acceptance.faults.SmtpInjector.Receipt;
import dev.outflow.acceptance.harness.Cluster;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.OutflowProcess;
import dev.outflow.acceptance.harness.Ports;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Durability on a replicated cluster: three KRaft brokers (and one controller) from Kafka's own
 * test kit in this JVM, topics created by {@code outflow topics create} with replication factor 3
 * and {@code min.insync.replicas=2}, Outflow as separate processes (scheduler, two workers, smtpd).
 * Under a load submitted over SMTP, the broker leading {@code outflow.outbound}'s partition 0 is
 * shut down, delivery must go on while it is away, and it is started again. Every accepted
 * (message, recipient) must end with exactly one terminal event (lost = 0, wrong = 0, duplicate
 * events = 0), and no Outflow process may have died or been restarted.
 *
 * <p>{@code outflow.brokerloss.messages} sets the load: 5,000 by default (under 3 minutes on the 2-core VM); fewer with
 * {@code MESSAGES=... modules/acceptance/faults/run-broker-loss} (docs/acceptance.md).
 */
@ExtendWith(PrintLogsOnFailure.class)
class BrokerLossIT {
    static final int MESSAGES = Integer.getInteger("outflow.brokerloss.messages", 5000);
    static final String SENDER = "loss-sender@d20.test";

    @Test
    void losingOneOfThreeBrokersUnderLoadLosesNothingAndRestartsNoStage() throws Exception {
        int port = Ports.freeOnAll("127.0.0.2", "127.0.0.3", "127.0.0.20");
        try (KafkaClusterTestKit kafka = threeBrokers();
             KnotDns dns = KnotDns.builder().freePort().start();
             FakeMx d2 = FakeMx.builder().bind("127.0.0.2").port(port).start();
             FakeMx d3 = FakeMx.builder().bind("127.0.0.3").port(port).start();
             FakeMx postmaster = FakeMx.builder().bind("127.0.0.20").port(port).start();
             Outflow outflow = Outflow.builder(BrokerLossIT.class.getSimpleName()).dns(dns.server()).smtpPort(port)
                     .set("kafka.bootstrap.servers", kafka.bootstrapServers())
                     .set("topic.replication_factor", "3")
                     .set("topic.min_insync_replicas", "2")
                     .set("topic.outbound_partitions", "6")
                     .set("smtpd.relay_networks", "127.0.0.0/8")
                     .set("outbound.temp_fail_intervals", "1s*10")
                     .create();
             Cluster cluster = Cluster.external(outflow, 2);
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            assertThat(minInsyncReplicas(admin, "outflow.outbound")).isEqualTo("2");
            TopicDescription outbound = admin.describeTopics(List.of("outflow.outbound")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("outflow.outbound");
            assertThat(outbound.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            int victim = outbound.partitions().getFirst().leader().id();

            List<Mail> mails = new ArrayList<>();
            Map<String, String> groupOf = new HashMap<>();
            for (int i = 1; i <= MESSAGES; i++) {
                String domain = i % 2 == 0 ? "d2" : "d3";
                String key = "loss-" + i;
                String rcpt = "r" + i + "@" + domain + ".test";
                mails.add(new Mail(key, SENDER, List.of(rcpt), SmtpInjector.message(key, SENDER, List.of(rcpt), 2000)));
                groupOf.put(key, domain + " accepts");
            }
            Collections.shuffle(mails, new Random(11));
            SmtpInjector injector = new SmtpInjector("127.0.0.1", outflow.smtpdPort(), 8, 5, Duration.ofSeconds(1));
            CompletableFuture<List<Receipt>> injection = CompletableFuture.supplyAsync(() -> {
                try {
                    return injector.run(mails);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            Awaitility.await("30 % delivered").atMost(Duration.ofMinutes(5)).until(() -> delivered(d2, d3) >= MESSAGES * 3 / 10);
            kafka.brokers().get(victim).shutdown();
            long atShutdown = delivered(d2, d3);
            Awaitility.await("delivery goes on with broker " + victim + " away").atMost(Duration.ofMinutes(5))
                    .until(() -> delivered(d2, d3) >= atShutdown + MESSAGES / 5);
            long whileAway = delivered(d2, d3) - atShutdown;
            kafka.brokers().get(victim).startup();
            Awaitility.await("broker " + victim + " back in every outbound ISR").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> admin.describeTopics(List.of("outflow.outbound")).allTopicNames().get(30, TimeUnit.SECONDS).get("outflow.outbound")
                            .partitions().stream().allMatch(p -> p.isr().stream().anyMatch(n -> n.id() == victim)));

            List<Receipt> receipts = injection.get(10, TimeUnit.MINUTES);
            Ledger ledger = new Ledger();
            for (Receipt r : receipts) {
                String group = groupOf.get(r.mail().key());
                if (r.fate() == Fate.UNKNOWN) ledger.unknown(group);
                if (r.fate() != Fate.ACCEPTED) continue;
                for (String rcpt : r.mail().recipients()) ledger.expect(r.messageId(), rcpt, Outcome.DELIVERED, group);
            }
            long accepted = receipts.stream().filter(r -> r.fate() == Fate.ACCEPTED).count();
            Ledger.Report[] report = new Ledger.Report[1];
            try {
                Awaitility.await("every accepted recipient settled").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> (report[0] = ledger.reconcile(outflow.events().all())).settled() == ledger.size());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                report[0] = ledger.reconcile(outflow.events().all());
            }
            Ledger.Report r = report[0];
            System.out.printf("BrokerLossIT: %d messages, %d accepted, broker %d shut down after %d deliveries, %d delivered while it was away%n%s",
                    MESSAGES, accepted, victim, atShutdown, whileAway, r.table());

            assertThat(accepted).as("smtpd accepted (refused/unknown are retried by the injector)").isEqualTo(MESSAGES);
            assertThat(r.lost()).as(r.table()).isZero();
            assertThat(r.wrong()).as(r.table()).isZero();
            assertThat(r.duplicateEvents()).as("exactly one terminal event per recipient\n" + r.table()).isZero();
            assertThat(outflow.events().decodeFailures()).isEmpty();
            for (OutflowProcess p : cluster.processes()) assertThat(p.isAlive()).as(p.name() + " still runs (never restarted)").isTrue();
            assertThat(kafka.fatalFaultHandler().firstException()).isNull();
        }
    }

    private static long delivered(FakeMx a, FakeMx b) {
        return a.messages() + b.messages();
    }

    private static String minInsyncReplicas(Admin admin, String topic) throws Exception {
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res).get("min.insync.replicas").value();
    }

    /** Three brokers and a separate controller, replicated like production (RF 3, min ISR 2, internal topics too). */
    static KafkaClusterTestKit threeBrokers() throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder().setCombined(false).setNumBrokerNodes(3).setNumControllerNodes(1).build();
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("default.replication.factor", "3")
                .setConfigProp("min.insync.replicas", "2")
                .setConfigProp("offsets.topic.replication.factor", "3")
                .setConfigProp("offsets.topic.num.partitions", "6")
                .setConfigProp("transaction.state.log.replication.factor", "3")
                .setConfigProp("transaction.state.log.min.isr", "2")
                .setConfigProp("transaction.state.log.num.partitions", "6")
                .setConfigProp("auto.create.topics.enable", "false")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return kit;
    }
}

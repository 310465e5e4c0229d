package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.faults.Ledger;
import dev.outflow.acceptance.faults.SmtpInjector;
import dev.outflow.acceptance.faults.SmtpInjector.Fate;
import dev.outflow.acceptance.faults.SmtpInjector.Mail;
import dev.outflow.acceptance.faults.SmtpInjector.Receipt;
import dev.outflow.acceptance.harness.Cluster;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.Ports;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The short fault suite (the long one is {@code modules/acceptance/faults/run}): Outflow as
 * separate processes (broker, scheduler, two workers, smtpd), 650 messages submitted over SMTP,
 * and one worker killed with SIGKILL in the middle of the load and started again. Every accepted
 * (message, recipient) must reach exactly its expected terminal outcome: d2.test accepts
 * (DELIVERED), d3.test answers 450 to its first 75 RCPTs (deferred, retried, DELIVERED), d4.test
 * answers 550 (BOUNCED, with a DSN to the sender). Nothing lost; duplicate events (allowed: at
 * least once) and messages the MX received twice are counted and printed.
 */
@ExtendWith(PrintLogsOnFailure.class)
class WorkerCrashIT {
    static final int OK = 400;
    static final int RETRY = 150;
    static final int BOUNCE = 100;
    static final String SENDER = "crash-sender@d20.test";

    @Test
    void killingAWorkerMidLoadLosesNothing() throws Exception {
        int port = Ports.freeOnAll("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.20");
        Action[] busy = new Action[76];
        Arrays.fill(busy, 0, 75, Action.reply(450, "4.3.2 busy"));
        busy[75] = Action.proceed();
        try (KnotDns dns = KnotDns.builder().freePort().start();
             FakeMx accepts = FakeMx.builder().bind("127.0.0.2").port(port).start();
             FakeMx busyFirst = FakeMx.builder().bind("127.0.0.3").port(port).on(Command.RCPT, busy).start();
             FakeMx rejects = FakeMx.builder().bind("127.0.0.4").port(port).reply(Command.RCPT, 550, "5.1.1 no such user").start();
             FakeMx postmaster = FakeMx.builder().bind("127.0.0.20").port(port).start();
             Outflow outflow = Outflow.builder(WorkerCrashIT.class.getSimpleName()).dns(dns.server()).smtpPort(port)
                     .set("topic.outbound_partitions", "6")
                     .set("smtpd.relay_networks", "127.0.0.0/8")
                     .set("outbound.temp_fail_intervals", "1s*5")
                     .create();
             Cluster cluster = Cluster.start(outflow, 2)) {
            List<Mail> mails = new ArrayList<>();
            Map<String, String> groupOf = new java.util.HashMap<>();
            add(mails, groupOf, "d2", OK, "d2 accepts");
            add(mails, groupOf, "d3", RETRY, "d3 450 first, then accepts");
            add(mails, groupOf, "d4", BOUNCE, "d4 550");
            java.util.Collections.shuffle(mails, new java.util.Random(7));
            SmtpInjector injector = new SmtpInjector("127.0.0.1", outflow.smtpdPort(), 8, 3, Duration.ofSeconds(1));
            CompletableFuture<List<Receipt>> injection = CompletableFuture.supplyAsync(() -> {
                try {
                    return injector.run(mails);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            Awaitility.await("a quarter of the load delivered").atMost(Duration.ofMinutes(3)).until(() -> accepts.messages() >= OK / 4);
            cluster.worker(1).kill9();
            long atKill = accepts.messages();
            cluster.restartWorker(1);

            List<Receipt> receipts = injection.get();
            Ledger ledger = new Ledger();
            for (Receipt r : receipts) {
                String group = groupOf.get(r.mail().key());
                if (r.fate() == Fate.UNKNOWN) ledger.unknown(group);
                if (r.fate() != Fate.ACCEPTED) continue;
                Outcome expected = group.startsWith("d4") ? Outcome.BOUNCED : Outcome.DELIVERED;
                for (String rcpt : r.mail().recipients()) ledger.expect(r.messageId(), rcpt, expected, group);
            }
            assertThat(receipts).filteredOn(r -> r.fate() == Fate.ACCEPTED).as("smtpd accepted every message")
                    .hasSize(mails.size()).allSatisfy(r -> assertThat(r.messageId()).isNotNull());

            Ledger.Report[] report = new Ledger.Report[1];
            try {
                Awaitility.await("every pair settled").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> (report[0] = ledger.reconcile(outflow.events().all())).settled() == ledger.size());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                report[0] = ledger.reconcile(outflow.events().all());
            }
            Ledger.Report r = report[0];
            Map<String, Long> perRcpt = accepts.received().stream().flatMap(m -> m.recipients().stream())
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            long mxDuplicates = perRcpt.values().stream().mapToLong(n -> n - 1).sum();
            System.out.println("WorkerCrashIT: killed worker-1 after " + atKill + " deliveries to d2\n" + r.table()
                    + "messages d2's MX received more than once: " + mxDuplicates);

            assertThat(r.lost()).as(r.table()).isZero();
            assertThat(r.wrong()).as(r.table()).isZero();
            assertThat(outflow.events().decodeFailures()).isEmpty();
            List<ReceivedMessage> dsns = postmaster.received();
            for (Receipt rc : receipts) {
                if (!groupOf.get(rc.mail().key()).startsWith("d4")) continue;
                String rcpt = rc.mail().recipients().get(0);
                assertThat(dsns).as("a DSN for " + rcpt).anyMatch(m -> m.mailFrom().isEmpty() && m.text().contains(rcpt));
            }
            assertThat(rejects.messages()).isZero();
            assertThat(busyFirst.count(Command.RCPT)).isGreaterThan(RETRY);
        }
    }

    private static void add(List<Mail> mails, Map<String, String> groupOf, String domain, int n, String group) {
        for (int i = 1; i <= n; i++) {
            String key = domain + "-" + i;
            String rcpt = "r" + i + "@" + domain + ".test";
            mails.add(new Mail(key, SENDER, List.of(rcpt), SmtpInjector.message(key, SENDER, List.of(rcpt), 2000)));
            groupOf.put(key, group);
        }
    }
}

package dev.outflow.acceptance.faults;

import dev.outflow.acceptance.faults.FaultyDns.Fault;
import dev.outflow.acceptance.faults.SmtpInjector.Fate;
import dev.outflow.acceptance.faults.SmtpInjector.Mail;
import dev.outflow.acceptance.faults.SmtpInjector.Receipt;
import dev.outflow.acceptance.harness.Cluster;
import dev.outflow.acceptance.harness.EventLog;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.Ports;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.Source;
import dev.outflow.codec.Serdes;
import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The full fault suite ({@code modules/acceptance/faults/run}): Outflow as separate processes
 * (broker, scheduler, two workers, smtpd), 5,000 messages over SMTP, and while they flow:
 * {@code kill -9} of a worker (restarted), the broker stopped and restarted, remote faults per
 * domain (421 greeting, a recipient that keeps getting 450, disconnect after DATA, a stall longer
 * than the command timeout), DNS faults (SERVFAIL and no answer for a while, SERVFAIL for good),
 * and poison records written straight onto the outbound topic. Prints expected vs observed
 * outcome per group, lost, wrong and duplicates; exits 1 when anything was lost or wrong.
 *
 * <p>Knobs (system properties): {@code faults.messages} (5000), {@code faults.sessions} (16).
 */
public final class FaultRun {
    private static final String SENDER = "faults@d20.test";

    private final int total = Integer.getInteger("faults.messages", 5000);
    private final int sessions = Integer.getInteger("faults.sessions", 16);
    private final Map<String, Map<String, Target>> targets = new HashMap<>();
    private final Map<String, FakeMx> mxByGroup = new java.util.TreeMap<>();

    /** What a (mail, recipient) is owed. */
    private record Target(String group, Outcome outcome) {}

    public static void main(String[] args) throws Exception {
        System.exit(new FaultRun().run() ? 0 : 1);
    }

    private boolean run() throws Exception {
        int d2 = share(0.50);
        int d3 = share(0.10);
        int d4 = share(0.08);
        int d5 = share(0.08);
        int d6 = share(0.06);
        int d7 = share(0.06);
        int d8 = share(0.06);
        int d9 = total - d2 - d3 - d4 - d5 - d6 - d7 - d8;
        String[] addresses = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9", "127.0.0.20"};
        int port = Ports.freeOnAll(addresses);
        List<Mail> mails = new ArrayList<>();
        mails(mails, "d2", d2, i -> List.of(new Rcpt("r" + i + "@d2.test", "d2 accepts", Outcome.DELIVERED)));
        mails(mails, "d3", d3, i -> List.of(new Rcpt("r" + i + "@d3.test", "d3 421 greeting (300 conns)", Outcome.DELIVERED)));
        mails(mails, "d4", d4, i -> List.of(new Rcpt("ok" + i + "@d4.test", "d4 rcpt ok", Outcome.DELIVERED),
                new Rcpt("full" + i + "@d4.test", "d4 rcpt 450 for good", Outcome.BOUNCED)));
        mails(mails, "d5", d5, i -> List.of(new Rcpt("r" + i + "@d5.test", "d5 drop after DATA (100)", Outcome.DELIVERED)));
        mails(mails, "d6", d6, i -> List.of(new Rcpt("r" + i + "@d6.test", "d6 stall > timeout (30)", Outcome.DELIVERED)));
        mails(mails, "d7", d7, i -> List.of(new Rcpt("r" + i + "@d7.test", "d7 DNS SERVFAIL 20 s", Outcome.DELIVERED)));
        mails(mails, "d8", d8, i -> List.of(new Rcpt("r" + i + "@d8.test", "d8 DNS no answer 20 s", Outcome.DELIVERED)));
        mails(mails, "d9", d9, i -> List.of(new Rcpt("r" + i + "@d9.test", "d9 DNS SERVFAIL for good", Outcome.BOUNCED)));
        java.util.Collections.shuffle(mails, new Random(42));

        Action[] greet = new Action[301];
        Arrays.fill(greet, 0, 300, Action.reply(421, "4.3.2 too busy, come back later"));
        greet[300] = Action.proceed();
        Action[] dropAfterData = new Action[101];
        Arrays.fill(dropAfterData, 0, 100, Action.disconnect());
        dropAfterData[100] = Action.proceed();
        Action[] stall = new Action[31];
        Arrays.fill(stall, 0, 30, Action.stall());
        stall[30] = Action.proceed();
        FakeMx.Builder d4mx = FakeMx.builder().bind("127.0.0.4").port(port).hostname("mx4.test");
        for (int i = 1; i <= d4; i++) d4mx.rcpt("full" + i + "@d4.test", 450, "4.2.2 mailbox full");

        try (KnotDns knot = KnotDns.builder().freePort().start();
             FaultyDns dns = FaultyDns.start(knot.address());
             FakeMx mx2 = FakeMx.builder().bind("127.0.0.2").port(port).hostname("mx2.test").start();
             FakeMx mx3 = FakeMx.builder().bind("127.0.0.3").port(port).hostname("mx3.test").on(Command.GREETING, greet).start();
             FakeMx mx4 = d4mx.start();
             FakeMx mx5 = FakeMx.builder().bind("127.0.0.5").port(port).hostname("mx5.test").on(Command.END_OF_DATA, dropAfterData).start();
             FakeMx mx6 = FakeMx.builder().bind("127.0.0.6").port(port).hostname("mx6.test").on(Command.RCPT, stall).start();
             FakeMx mx7 = FakeMx.builder().bind("127.0.0.7").port(port).hostname("mx7.test").start();
             FakeMx mx8 = FakeMx.builder().bind("127.0.0.8").port(port).hostname("mx8.test").start();
             FakeMx mx9 = FakeMx.builder().bind("127.0.0.9").port(port).hostname("mx9.test").start();
             FakeMx postmaster = FakeMx.builder().bind("127.0.0.20").port(port).hostname("mx20.test").start();
             Outflow outflow = Outflow.builder("FaultRun").dns(dns.server()).smtpPort(port)
                     .set("topic.outbound_partitions", "6")
                     .set("topic.partitions", "3")
                     .set("smtpd.relay_networks", "127.0.0.0/8")
                     .set("smtpd.queue_timeout", "90s")
                     .set("outbound.temp_fail_intervals", "1s,2s,3s,5s*10")
                     .set("outbound.connect_timeout", "3s")
                     .set("outbound.command_timeout", "5s")
                     .set("outbound.data_timeout", "5s")
                     .set("dns.timeout", "1s")
                     .create();
             Cluster cluster = Cluster.start(outflow, 2)) {
            mxByGroup.putAll(Map.of("d2", mx2, "d3", mx3, "d4", mx4, "d5", mx5, "d6", mx6, "d7", mx7, "d8", mx8, "d9", mx9));
            say("cluster up: broker " + outflow.bootstrap() + ", smtpd 127.0.0.1:" + outflow.smtpdPort() + ", MX port " + port
                    + "; logs in " + outflow.dir());
            int poison = poison(outflow);

            Instant start = Instant.now();
            dns.fault("d7.test", Fault.SERVFAIL, start.plusSeconds(20))
                    .fault("d8.test", Fault.NO_ANSWER, start.plusSeconds(20))
                    .fault("d9.test", Fault.SERVFAIL, null);
            SmtpInjector injector = new SmtpInjector("127.0.0.1", outflow.smtpdPort(), sessions, 5, Duration.ofSeconds(2));
            CompletableFuture<List<Receipt>> injection = CompletableFuture.supplyAsync(() -> {
                try {
                    return injector.run(mails);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            say("injecting " + mails.size() + " messages over " + sessions + " sessions");

            await("d2 at 20%", () -> mx2.messages() >= d2 / 5, Duration.ofMinutes(5));
            say("kill -9 worker-1 (d2 has " + mx2.messages() + ")");
            cluster.worker(1).kill9();
            cluster.restartWorker(1);
            say("worker-1 restarted");

            await("d2 at 45%", () -> mx2.messages() >= d2 * 45 / 100, Duration.ofMinutes(5));
            long dupsAfterKill = duplicates(mx2);
            say("stopping the broker (d2 has " + mx2.messages() + ", " + dupsAfterKill + " received twice since the kill)");
            int exit = cluster.broker().stop();
            say("broker stopped (exit " + exit + "); restarting in 5 s");
            Thread.sleep(5000);
            cluster.restartBroker();
            say("broker restarted");

            List<Receipt> receipts = injection.get();
            say("injection done in " + Duration.between(start, Instant.now()).toSeconds() + " s: "
                    + receipts.stream().collect(Collectors.groupingBy(Receipt::fate, Collectors.counting())));
            Ledger ledger = new Ledger();
            for (Receipt r : receipts) {
                Map<String, Target> t = targets.get(r.mail().key());
                if (r.fate() == Fate.UNKNOWN) t.values().forEach(x -> ledger.unknown(x.group()));
                if (r.fate() != Fate.ACCEPTED) continue;
                t.forEach((rcpt, x) -> ledger.expect(r.messageId(), rcpt, x.outcome(), x.group()));
            }
            EventLog events = outflow.events();
            Ledger.Report report;
            try {
                Awaitility.await("all settled").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(2))
                        .until(() -> ledger.reconcile(events.all()).settled() == ledger.size());
            } catch (ConditionTimeoutException e) {
                say("not everything settled within 10 minutes");
            }
            report = ledger.reconcile(events.all());

            StringBuilder out = new StringBuilder("\n=== Outflow fault suite: " + receipts.size() + " messages, " + ledger.size()
                    + " (message, recipient) pairs accepted by smtpd\n");
            out.append("faults: kill -9 worker-1 at 20% of d2 (restarted), broker stopped at 45% of d2 and restarted after 5 s,\n")
                    .append("        remote and DNS faults per domain (group names), ").append(poison).append(" poison records on the outbound topic\n\n");
            out.append(report.table());
            out.append("\nMX side (at-least-once: a message may arrive twice after a crash or a lost reply):\n");
            for (var e : mxByGroup.entrySet()) {
                Map<String, Long> per = e.getValue().received().stream().flatMap(m -> m.recipients().stream())
                        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                long dups = per.values().stream().mapToLong(n -> n - 1).sum();
                out.append(String.format("  %-4s messages received %6d, recipients received more than once %5d%n", e.getKey(),
                        e.getValue().messages(), dups));
            }
            long dupsTotal = duplicates(mx2);
            out.append(String.format("Duplicates per fault at d2's MX: kill -9 of worker-1 %d (bound: deliveries in progress, at most"
                    + " outbound.concurrency_max); broker stop and restart %d%n", dupsAfterKill, dupsTotal - dupsAfterKill));
            long bouncedPairs = report.rows().stream().filter(r -> r.expectedOutcome() == Outcome.BOUNCED).mapToLong(Ledger.Row::bounced).sum();
            long dsns = postmaster.received().stream().filter(m -> m.mailFrom().isEmpty()).count();
            out.append(String.format("DSNs received by the sender's MX: %d (bounced pairs: %d)%n", dsns, bouncedPairs));
            int dlq = events.deadLetters().size();
            long rejected = events.all().stream().filter(e -> e.outcome() == Outcome.REJECTED).count();
            out.append(String.format("poison: %d written, %d on the DLQ, %d REJECTED events%n", poison, dlq, rejected));
            out.append(String.format("DNS proxy answered %d questions with a fault%n", dns.faulted()));
            boolean ok = report.clean() && dlq >= poison && dsns >= bouncedPairs;
            out.append(ok ? "RESULT: PASS (nothing lost, every outcome as expected)\n" : "RESULT: FAIL\n");
            System.out.println(out);
            java.nio.file.Files.writeString(outflow.dir().resolve("report.txt"), out.toString());
            return ok;
        }
    }

    /** Recipients an MX has received more than once (each extra copy counts). */
    private static long duplicates(FakeMx mx) {
        Map<String, Long> per = mx.received().stream().flatMap(m -> m.recipients().stream())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        return per.values().stream().mapToLong(n -> n - 1).sum();
    }

    private int share(double f) {
        return (int) Math.round(total * f);
    }

    private record Rcpt(String address, String group, Outcome outcome) {}

    private void mails(List<Mail> mails, String domain, int n, Function<Integer, List<Rcpt>> rcpts) {
        for (int i = 1; i <= n; i++) {
            String key = domain + "-" + i;
            List<Rcpt> rs = rcpts.apply(i);
            List<String> to = rs.stream().map(Rcpt::address).toList();
            mails.add(new Mail(key, SENDER, to, SmtpInjector.message(key, SENDER, to, 2000)));
            Map<String, Target> t = new LinkedHashMap<>();
            for (Rcpt r : rs) t.put(r.address(), new Target(r.group(), r.outcome()));
            targets.put(key, t);
        }
    }

    /** Writes undecodable and invalid records straight onto the outbound topic; returns how many. */
    private static int poison(Outflow outflow) throws Exception {
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, outflow.bootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        int n = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 20; i++) {
                byte[] junk = ("not an Avro record #" + i).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>("outflow.outbound", ("d2.test").getBytes(StandardCharsets.UTF_8), junk)).get();
                n++;
            }
            for (int i = 0; i < 10; i++) {
                OutboundMessage bad = OutboundMessage.newBuilder()
                        .setId("poison-" + i).setMailFrom(SENDER).setRecipients(List.of("someone@elsewhere.test"))
                        .setDomain("d2.test").setContents(ByteBuffer.wrap("Subject: poison\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)))
                        .setQueuedAt(System.currentTimeMillis()).setSource(Source.newBuilder().setChannel("kafka").build())
                        .build();
                producer.send(new ProducerRecord<>("outflow.outbound", ("d2.test").getBytes(StandardCharsets.UTF_8),
                        Serdes.outboundMessage().encode(bad))).get();
                n++;
            }
        }
        return n;
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition, Duration timeout) {
        Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(200)).until(condition);
    }

    private static void say(String s) {
        System.out.println("[" + java.time.LocalTime.now().withNano(0) + "] " + s);
    }
}

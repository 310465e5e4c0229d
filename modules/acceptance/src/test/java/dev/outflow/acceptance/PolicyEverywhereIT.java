package dev.outflow.acceptance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.acceptance.harness.CommandResult;
import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.MainStack;
import dev.outflow.acceptance.harness.Swaks;
import dev.outflow.acceptance.plugin.DenyDomain;
import dev.outflow.avro.Outcome;
import dev.outflow.core.config.Config;
import dev.outflow.submission.OutflowClient;
import dev.outflow.submission.SubmissionRejectedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One place where policy runs: the server's queue_outbound plugin ({@link DenyDomain}, a jar in
 * the server's {@code plugins.dir}) refuses the same message whichever way it comes in — SMTP
 * submission (550 in the session), {@code outflow send} run from another folder with a
 * {@code plugins.dir} of its own that holds no plugin (exit 1 with the reason), {@code OutflowClient}
 * in this JVM, which has no plugins at all (the future fails with the reason), and a plain Kafka
 * producer writing JSON (a REJECTED event). None of them is delivered or deferred.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class PolicyEverywhereIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SENDER = Stack.sender("policy");

    static Outflow outflow;

    @BeforeAll
    static void start(MainStack s) {
        outflow = s.outflow();
    }

    @Test
    void smtpSubmissionIsRefusedInTheSession() {
        Swaks.Result r = Swaks.to("127.0.0.1", outflow.smtpdPort()).from(SENDER).rcpt("smtp@" + DenyDomain.DOMAIN).tls()
                .auth(MainStack.USER, MainStack.PASSWORD).header("Subject", "Policy").body("through SMTP").send();

        assertThat(r.exitCode()).as(r.transcript()).isNotZero();
        assertThat(r.serverLines()).anyMatch(l -> l.contains("550 5.7.1 " + DenyDomain.TEXT));
        assertNothingHappenedTo("smtp@" + DenyDomain.DOMAIN);
    }

    @Test
    void outflowSendFromAnotherFolderWithItsOwnPluginsDirIsRefused() throws Exception {
        Path elsewhere = Files.createTempDirectory("outflow-policy-elsewhere");
        Path noPlugins = Files.createDirectories(elsewhere.resolve("plugins"));

        CommandResult r = outflow.runFrom(elsewhere, "send", "--set", "plugins.dir=" + noPlugins, "--from", SENDER,
                "--to", "cli@" + DenyDomain.DOMAIN, "--subject", "Policy", "--body", "through the CLI");

        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(1);
        assertThat(r.stderr()).contains("rejected: 550 5.7.1 " + DenyDomain.TEXT);
        assertThat(r.stdout()).as("no id is printed for a rejected message").isBlank();
        awaitRejected("cli@" + DenyDomain.DOMAIN);
    }

    @Test
    void outflowClientWithoutPluginsIsRefused() {
        Config config = Config.of(Map.of("kafka.bootstrap.servers", outflow.bootstrap(), "me", "policy-client.test"));
        try (OutflowClient client = OutflowClient.connect(config)) {
            var future = client.sendEmail(SENDER, List.of("api@" + DenyDomain.DOMAIN), "Subject: Policy\r\n\r\nthrough the Java API\r\n");

            assertThatThrownBy(() -> future.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(SubmissionRejectedException.class, e -> {
                        assertThat(e.code()).isEqualTo(550);
                        assertThat(e.getMessage()).isEqualTo("550 5.7.1 " + DenyDomain.TEXT);
                    });
        }
        awaitRejected("api@" + DenyDomain.DOMAIN);
    }

    @Test
    void aPlainKafkaProducerIsRefused() throws Exception {
        String json = "{\"id\":\"policy-plain-1\",\"mailFrom\":\"" + SENDER + "\",\"recipients\":[\"kafka@" + DenyDomain.DOMAIN + "\"],"
                + "\"contents\":\"Subject: Policy\\r\\n\\r\\nthrough a plain producer\\r\\n\"}";
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, outflow.bootstrap(), ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("outflow.submissions", "policy-plain-1".getBytes(UTF_8), json.getBytes(UTF_8)))
                    .get(30, TimeUnit.SECONDS);
        }

        Event e = awaitRejected("kafka@" + DenyDomain.DOMAIN);
        assertThat(e.messageId()).isEqualTo("policy-plain-1");
    }

    /** The REJECTED event the router published, with the plugin's reply; nothing else for the recipient. */
    private static Event awaitRejected(String address) {
        Event e = outflow.events().await("REJECTED for " + address, ev -> ev.outcome() == Outcome.REJECTED && ev.concerns(address), WAIT);
        assertThat(e.recipient(address).getCode()).isEqualTo(550);
        assertThat(e.value().getReason()).isEqualTo("550 5.7.1 " + DenyDomain.TEXT);
        assertNothingHappenedTo(address);
        return e;
    }

    private static void assertNothingHappenedTo(String address) {
        assertThat(outflow.events().forRecipient(address)).allSatisfy(ev -> assertThat(ev.outcome()).isEqualTo(Outcome.REJECTED));
    }
}

package dev.outflow.submission.smtpd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.submission.KafkaOutboundQueue;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener over the real Kafka queue: 250 only after the broker has the records; 451 when it is down. */
class SmtpToKafkaTest {
    @TempDir
    Path dir;

    private static Map<String, String> settings(Path dir, String bootstrap) {
        Map<String, String> s = new HashMap<>();
        s.put("me", "outflow.test");
        s.put("data.dir", dir.resolve("data").toString());
        s.put("smtpd.listen", "127.0.0.1:0");
        s.put("smtpd.relay_networks", "127.0.0.1");
        s.put("kafka.bootstrap.servers", bootstrap);
        return s;
    }

    private static SubmissionServer server(Config config, KafkaOutboundQueue queue) throws Exception {
        return new SubmissionServer(config, new Intake(config, PluginChain.empty()), queue).start();
    }

    private static String submit(int port, String... rcpts) throws Exception {
        try (RawSmtp c = new RawSmtp(port)) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            for (String r : rcpts) c.cmd("RCPT TO:<" + r + ">");
            c.cmd("DATA");
            return c.cmd("Subject: via kafka\r\n\r\nbody\r\n.");
        }
    }

    @Test
    void queuedReplyMeansTheRecordsAreOnTheTopic() throws Exception {
        KafkaTestCluster kafka = KafkaTestCluster.get();
        String prefix = kafka.uniqueName("smtpd") + ".";
        kafka.createTopics(3, prefix + "outbound");
        Map<String, String> s = settings(dir, kafka.bootstrapServers());
        s.put("topic.prefix", prefix);
        Config config = Config.of(s);

        String reply;
        try (KafkaOutboundQueue queue = KafkaOutboundQueue.create(config); SubmissionServer server = server(config, queue)) {
            reply = submit(server.port(), "a@one.test", "b@two.test", "c@three.test");
        }
        List<ConsumerRecord<String, OutboundMessage>> records =
                kafka.drain(prefix + "outbound", new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30));

        assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
        String id = reply.substring("250 2.0.0 Ok: queued as ".length());
        assertThat(records).hasSize(3).allSatisfy(r -> {
            assertThat(r.value().getId()).isEqualTo(id);
            assertThat(r.value().getSource().getChannel()).isEqualTo("smtp");
            assertThat(r.value().getSource().getUser()).isEqualTo("127.0.0.1");
            assertThat(UTF_8.decode(r.value().getContents().duplicate()).toString()).startsWith("Received: from client.test");
        });
        assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("one.test", "two.test", "three.test");
    }

    @Test
    void brokerDownAnswers451() throws Exception {
        int closedPort;
        try (ServerSocket ss = new ServerSocket(0)) {
            closedPort = ss.getLocalPort();
        }
        Map<String, String> s = settings(dir, "127.0.0.1:" + closedPort);
        s.put("smtpd.queue_timeout", "2s");
        Config config = Config.of(s);

        try (KafkaOutboundQueue queue = KafkaOutboundQueue.create(config); SubmissionServer server = server(config, queue)) {
            long start = System.nanoTime();
            String reply = submit(server.port(), "a@one.test");

            assertThat(reply).isEqualTo("451 4.3.0 Queue not available, try again later");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        }
    }
}

package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.broker.EmbeddedBroker;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.submission.KafkaOutboundQueue;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker fails in the middle of a multi-domain message: its Produce request reached the broker
 * (the records are in the log) but nothing after it did. The client gets 451; after the broker is
 * back, the client's retry is queued, and a read_committed consumer (as the worker reads) sees every
 * part exactly once, all under the retry's id: nothing of the failed attempt is delivered.
 */
class BrokerFailureMidMessageTest {
    private static final String TOPIC = "mid.outbound";

    @TempDir
    Path dir;

    @Test
    void aFailedMessageLeavesNoPartForTheWorkerAndTheRetryIsQueuedOnce() throws Exception {
        try (KafkaLink link = new KafkaLink("outflow-submission-"); EmbeddedBroker broker = brokerBehind(link)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get();
            }
            Map<String, String> s = new HashMap<>();
            s.put("me", "outflow.test");
            s.put("data.dir", dir.resolve("smtpd").toString());
            s.put("smtpd.listen", "127.0.0.1:0");
            s.put("smtpd.relay_networks", "127.0.0.1");
            s.put("topic.prefix", "mid.");
            s.put("kafka.bootstrap.servers", "127.0.0.1:" + link.port());
            s.put("smtpd.queue_timeout", "3s");
            s.put("kafka.client.reconnect.backoff.max.ms", "200");
            Config config = Config.of(s);

            try (KafkaOutboundQueue queue = KafkaOutboundQueue.create(config);
                 SubmissionServer server = new SubmissionServer(config, new Intake(config, PluginChain.empty()), queue).start()) {
                assertThat(submit(server.port())).startsWith("250");         // connects the producer, starts its transactions
                int before = link.produceRequests();

                link.failAfterNextProduce();
                String failed = submit(server.port());

                assertThat(failed).isEqualTo("451 4.3.0 Queue not available, try again later");
                assertThat(link.produceRequests()).as("the parts reached the broker before it failed").isGreaterThan(before);
                link.heal();
                String retried = submit(server.port());
                assertThat(retried).startsWith("250 2.0.0 Ok: queued as ");
                String retryId = retried.substring("250 2.0.0 Ok: queued as ".length());

                List<OutboundMessage> committed = new ArrayList<>();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    committed.clear();
                    committed.addAll(readAll(broker, "read_committed"));
                    assertThat(committed).filteredOn(m -> m.getId().equals(retryId)).hasSize(3);
                });
                assertThat(committed).as("first message, and the retry: nothing of the failed attempt").hasSize(6);
                assertThat(readAll(broker, "read_uncommitted"))
                        .as("the failed attempt's parts are in the log, aborted").hasSizeGreaterThan(committed.size());
                assertThat(committed.stream().filter(m -> m.getId().equals(retryId)).map(OutboundMessage::getDomain))
                        .containsExactlyInAnyOrder("one.test", "two.test", "three.test");
            }
        }
    }

    private static String submit(int port) throws IOException {
        try (RawSmtp c = new RawSmtp(port)) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            for (String r : List.of("a@one.test", "b@two.test", "c@three.test")) c.cmd("RCPT TO:<" + r + ">");
            c.cmd("DATA");
            return c.cmd("Subject: mid-message failure\r\n\r\nbody\r\n.");
        }
    }

    /** A broker whose clients are all sent through the link (it advertises the link's address). */
    private EmbeddedBroker brokerBehind(KafkaLink link) throws IOException {
        int port = freePortPair();
        link.target(new InetSocketAddress("127.0.0.1", port));
        return EmbeddedBroker.builder(dir.resolve("broker")).listen("127.0.0.1", port).fsync(false)
                .property("advertised.listeners", "PLAINTEXT://127.0.0.1:" + link.port())
                .property("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
                .build().start();
    }

    /** A port p with p + 1 free too (the controller's). */
    private static int freePortPair() throws IOException {
        for (int i = 0; i < 20; i++) {
            try (ServerSocket a = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                int p = a.getLocalPort();
                if (p >= 65535) continue;
                try (ServerSocket b = new ServerSocket(p + 1, 1, java.net.InetAddress.getLoopbackAddress())) {
                    return p;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no two consecutive free ports");
    }

    /** Everything on the topic, as a consumer with this isolation level sees it (the broker's own listener). */
    private static List<OutboundMessage> readAll(EmbeddedBroker broker, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<OutboundMessage> out = new ArrayList<>();
        try (KafkaConsumer<String, OutboundMessage> c = new KafkaConsumer<>(p, new StringDeserializer(), Serdes.outboundMessage())) {
            List<TopicPartition> parts = c.partitionsFor(TOPIC).stream().map(i -> new TopicPartition(TOPIC, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, OutboundMessage> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
            }
        }
        return out;
    }
}

package dev.outflow.submission;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.TopicBootstrap;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.RejectKind;
import dev.outflow.router.SubmissionRouter;
import dev.outflow.testkit.kafka.KafkaTestCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OutflowClient through the router on a real broker: the client writes to the submissions topic
 * and its future completes with the router's outcome — queued, rejected (validation, the router's
 * queue_outbound DENY and DENYSOFT), or unknown when no outcome comes (a plugin took the message).
 * The client's own process has no plugins: policy is the router's.
 */
class OutflowClientTest {
    private static final byte[] MSG = "From: a@sender.test\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(UTF_8);

    private final KafkaTestCluster kafka = KafkaTestCluster.get();
    private final String prefix = kafka.uniqueName("client") + ".";
    private SubmissionRouter router;
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path stateDir;
    private OutflowClient client;

    /** Topics of a fresh prefix, a router with {@code plugins}, and a client with a 3 s outcome timeout. */
    private OutflowClient client(OutboundPlugin... plugins) {
        Map<String, String> s = new HashMap<>();
        s.put("me", "outflow.test");
        s.put("topic.prefix", prefix);
        s.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        s.put("router.commit_interval", "50ms");
        s.put("router.retry_intervals", "none");
        s.put("router.state_dir", stateDir.toString());
        s.put("client.outcome_timeout", "3s");
        s.put("outbound.max_message_bytes", "64k");
        Config config = Config.of(s);
        Topics topics = new Topics(prefix, List.of("10s"));
        TopicBootstrap.ensure(kafka.adminClient(), kafka.producerProps(), topics.specs(3, 3, -1, config.get(OutflowKeys.MAX_MESSAGE_BYTES)));
        router = SubmissionRouter.builder().kafka(Map.of("bootstrap.servers", kafka.bootstrapServers())).config(config).topics(topics)
                .plugins(new PluginChain(List.of(plugins))).routerId("client-test").build().start();
        client = OutflowClient.connect(config);
        return client;
    }

    @AfterEach
    void close() {
        if (client != null) client.close();
        if (router != null) router.close();
    }

    @Test
    void completesWithTheIdOnceTheRouterQueuedEveryDomain() throws Exception {
        String id = client().sendEmail("a@sender.test", List.of("x@one.test", "y@Two.test", "z@three.test", "w@one.test"), MSG)
                .get(60, TimeUnit.SECONDS);

        // Completed means the router committed the parts: all are readable at once.
        List<ConsumerRecord<String, OutboundMessage>> records =
                kafka.drain(prefix + "outbound", new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30));
        assertThat(records.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(Set.of("one.test", "two.test", "three.test"));
        assertThat(records).hasSize(3).allSatisfy(r -> {
            OutboundMessage m = r.value();
            assertThat(m.getId()).isEqualTo(id);
            assertThat(m.getMailFrom()).isEqualTo("a@sender.test");
            assertThat(m.getSource().getChannel()).as("the client names its channel").isEqualTo("api");
            assertThat(UTF_8.decode(m.getContents().duplicate()).toString()).contains("Message-ID: <" + id + "@outflow.test>\r\n");
        });
    }

    @Test
    void callersIdAndNotesAreKept() throws Exception {
        String id = client().sendEmail("order-7", "", List.of("x@one.test"), MSG, Map.of("campaign", "spring")).get(60, TimeUnit.SECONDS);

        assertThat(id).isEqualTo("order-7");
        OutboundMessage m = kafka.drain(prefix + "outbound", new StringDeserializer(), Serdes.outboundMessage(), Duration.ofSeconds(30))
                .getFirst().value();
        assertThat(m.getNotes()).containsEntry("campaign", "spring");
        assertThat(m.getMailFrom()).isEmpty();
    }

    @Test
    void theRoutersValidationRejectsWithCodeAndReason() {
        var future = client().sendEmail("a@sender.test", List.of("not-an-address"), MSG);

        assertThatThrownBy(() -> future.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(SubmissionRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RejectKind.PERMANENT);
                    assertThat(e.code()).isEqualTo(550);
                    assertThat(e.enhancedCode()).isEqualTo("5.1.3");
                    assertThat(e.getMessage()).startsWith("550 5.1.3 ").contains("not-an-address");
                });
    }

    @Test
    void theRoutersPluginDeniesWithItsText() {
        OutboundPlugin deny = new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                return HookResult.deny("no mail to " + m.recipients().getFirst());
            }
        };
        var future = client(deny).sendEmail("a@sender.test", List.of("x@one.test"), MSG);

        assertThatThrownBy(() -> future.get(60, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(SubmissionRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(550);
                    assertThat(e.getMessage()).contains("no mail to x@one.test");
                });
    }

    @Test
    void denysoftWithoutRetriesIsATemporaryRejection() {
        OutboundPlugin soft = new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                return HookResult.denysoft("busy");
            }
        };
        var future = client(soft).sendEmail("a@sender.test", List.of("x@one.test"), MSG);

        assertThatThrownBy(() -> future.get(60, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(SubmissionRejectedException.class, e -> {
                    assertThat(e.isTemporary()).isTrue();
                    assertThat(e.getMessage()).isEqualTo("451 4.7.1 busy");
                });
    }

    @Test
    void aPluginThatTakesTheMessageLeavesTheOutcomeUnknown() {
        OutboundPlugin ok = new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                return HookResult.ok();
            }
        };
        var future = client(ok).sendEmail("taken-1", "a@sender.test", List.of("x@one.test"), MSG, Map.of());

        assertThatThrownBy(() -> future.get(60, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(OutcomeUnknownException.class, e -> {
                    assertThat(e.id()).isEqualTo("taken-1");
                    assertThat(e.getMessage()).contains("client.outcome_timeout");
                });
        assertThat(router.handled()).isEqualTo(1);
    }

    @Test
    void anIdTheRouterCouldNotReportOnFailsAtOnce() {
        var future = client().sendEmail("has spaces", "a@sender.test", List.of("x@one.test"), MSG, Map.of());

        assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(SubmissionRejectedException.class, e -> assertThat(e.code()).isEqualTo(501));
    }
}

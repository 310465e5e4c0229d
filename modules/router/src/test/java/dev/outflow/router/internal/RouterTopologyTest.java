package dev.outflow.router.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.Submission;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.retry.RetrySchedule;
import dev.outflow.testkit.MutableClock;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's topology without a broker (TopologyTestDriver, exactly-once v2): split per domain,
 * dedupe by id in the window store, a DENYSOFT record waiting in the store until due (not before),
 * and bad input turned into a DLQ copy and a REJECTED event.
 */
class RouterTopologyTest {
    private static final byte[] MESSAGE = "From: s@src.test\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(UTF_8);
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final Topics topics = new Topics("topo.", List.of("10s"));
    private final AtomicInteger softCalls = new AtomicInteger();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> submissions;
    private TestOutputTopic<String, OutboundMessage> outbound;
    private TestOutputTopic<String, DeliveryEvent> bounced;
    private TestOutputTopic<byte[], byte[]> dlq;
    private TestOutputTopic<byte[], byte[]> retry1m;

    /** DENYSOFT for the first call about {@code soft-1}, then CONT. */
    private final OutboundPlugin softOnce = new OutboundPlugin() {
        @Override
        public String name() {
            return "soft-once";
        }

        @Override
        public HookResult queueOutbound(MessageView m) {
            if (!m.id().equals("soft-1")) return HookResult.cont();
            return softCalls.incrementAndGet() == 1 ? HookResult.denysoft("Busy") : HookResult.cont();
        }
    };

    private void start() {
        Config config = Config.of(Map.of("me", "router.test", "topic.prefix", "topo.", "router.retry_intervals", "1m",
                "router.dedupe_window", "1h"));
        RetrySchedule schedule = RetrySchedule.parse("1m");
        Map<String, Integer> retryPartitions = new HashMap<>();
        for (String t : RetryTopics.topics(topics.prefix(), schedule)) retryPartitions.put(t, 1);
        RetryTopics retries = new RetryTopics(topics.prefix(), schedule, retryPartitions);
        RecordHandler handler = new RecordHandler(new SubmissionDecoder(Serdes.singleObject()),
                new Intake(config, new PluginChain(List.of(softOnce)), clock),
                new RouterOutputs(topics, Serdes.singleObject(), "topo", 1 << 20), retries, 100);
        Refusals refusals = new Refusals();
        var topology = RouterTopology.build(topics.submissions(), handler, retries, refusals, new Transaction(new RouterCounters(), refusals),
                clock, Duration.ofHours(1), Duration.ofMillis(250));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "topo.router");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, tempDir());
        driver = new TopologyTestDriver(topology, p, clock.instant());
        submissions = driver.createInputTopic(topics.submissions(), new ByteArraySerializer(), new ByteArraySerializer());
        outbound = driver.createOutputTopic(topics.outbound(), new StringDeserializer(), Serdes.outboundMessage());
        bounced = driver.createOutputTopic(topics.bounced(), new StringDeserializer(), Serdes.deliveryEvent());
        dlq = driver.createOutputTopic(topics.dlq(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        retry1m = driver.createOutputTopic(RetryTopics.topic(topics.prefix(), Duration.ofMinutes(1)), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static String tempDir() {
        try {
            return java.nio.file.Files.createTempDirectory("outflow-topology").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void close() {
        if (driver != null) driver.close();
    }

    private void submit(String id, List<String> recipients) {
        submissions.pipeInput(id.getBytes(UTF_8), Serdes.submission().serialize(topics.submissions(),
                new Submission(id, "s@src.test", recipients, ByteBuffer.wrap(MESSAGE), Map.of())));
    }

    @Test
    void splitsPerDomainAndQueuesAnIdOnceWithinTheWindow() {
        start();
        submit("split-1", List.of("a@a.test", "b@b.test", "c@a.test"));
        List<TestRecord<String, OutboundMessage>> parts = outbound.readRecordsToList();
        assertThat(parts).extracting(TestRecord::key).containsExactlyInAnyOrder("a.test", "b.test");
        assertThat(parts).allSatisfy(r -> assertThat(r.value().getId()).isEqualTo("split-1"));

        clock.advance(Duration.ofMinutes(59));
        submit("split-1", List.of("a@a.test"));
        assertThat(outbound.isEmpty()).as("duplicate within the window").isTrue();

        clock.advance(Duration.ofMinutes(2));
        submit("split-1", List.of("a@a.test"));
        assertThat(outbound.readRecordsToList()).as("queued again after the window").hasSize(1);
    }

    @Test
    void aDenysoftSubmissionWaitsInTheStoreUntilDue() {
        start();
        submit("soft-1", List.of("x@x.test"));
        assertThat(softCalls.get()).isEqualTo(1);
        assertThat(outbound.isEmpty()).isTrue();
        TestRecord<byte[], byte[]> waiting = retry1m.readRecord();
        assertThat(new String(waiting.headers().lastHeader(RetryTopics.ATTEMPTS).value(), UTF_8)).isEqualTo("1");

        // Read back from the retry topic before it is due: kept, not decided.
        TestInputTopic<byte[], byte[]> retryIn = driver.createInputTopic(RetryTopics.topic(topics.prefix(), Duration.ofMinutes(1)),
                new ByteArraySerializer(), new ByteArraySerializer());
        retryIn.pipeInput(new TestRecord<>(waiting.key(), waiting.value(), waiting.headers()));
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(softCalls.get()).as("not tried before it is due").isEqualTo(1);
        assertThat(outbound.isEmpty()).isTrue();
        submit("other-1", List.of("o@o.test"));
        assertThat(outbound.readRecordsToList()).as("the partition keeps moving").extracting(r -> r.value().getId())
                .containsExactly("other-1");

        clock.advance(Duration.ofMinutes(1));
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(softCalls.get()).isEqualTo(2);
        assertThat(outbound.readRecordsToList()).extracting(r -> r.value().getId()).containsExactly("soft-1");
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(outbound.isEmpty()).as("decided once").isTrue();
        assertThat(bounced.isEmpty()).isTrue();
    }

    @Test
    void badInputIsDeadLetteredWithARejectedEvent() {
        start();
        submissions.pipeInput("bad".getBytes(UTF_8), "{not json".getBytes(UTF_8));
        assertThat(outbound.isEmpty()).isTrue();
        List<TestRecord<String, DeliveryEvent>> events = bounced.readRecordsToList();
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().value().getOutcome()).isEqualTo(Outcome.REJECTED);
        assertThat(events.getFirst().value().getReason()).startsWith("554 5.6.0 Malformed submission");
        TestRecord<byte[], byte[]> copy = dlq.readRecord();
        assertThat(copy.value()).isEqualTo("{not json".getBytes(UTF_8));
        assertThat(dlq.isEmpty()).isTrue();
    }
}

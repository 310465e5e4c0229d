package dev.outflow.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.EventJson;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The webhooks stage against real HTTP receivers on 127.0.0.1 and events on the real event topics
 * of the test broker.
 */
class WebhooksTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final WebhooksFixture fx = new WebhooksFixture();
    private final List<Receiver> receivers = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        fx.close();
        receivers.forEach(Receiver::close);
    }

    private Receiver receiver(java.util.function.IntUnaryOperator status) throws Exception {
        Receiver r = new Receiver(status);
        receivers.add(r);
        return r;
    }

    private static List<String> ids(List<DeliveryEvent> events) {
        return events.stream().map(DeliveryEvent::getMessageId).toList();
    }

    @Test
    void eventsArriveSignedAsTheJsonOfOutflowEvents() throws Exception {
        Receiver r = receiver(n -> 200);
        List<DeliveryEvent> sent = new ArrayList<>(fx.produce(Outcome.DELIVERED, 4));
        sent.addAll(fx.produce(Outcome.BOUNCED, 2));
        Webhooks w = fx.start(Map.of("webhooks.urls", r.url()));

        await().atMost(WAIT).until(() -> r.idsAcknowledged().containsAll(ids(sent)));
        assertThat(r.idsAcknowledged()).hasSize(6);
        byte[] secret = WebhooksFixture.SECRET.getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        for (Receiver.Request req : r.requests()) {
            assertThat(req.signature()).matches("t=\\d+,v1=[0-9a-f]{64}");
            assertThat(WebhookSignature.verify(req.signature(), secret, req.body(), now, 300)).isTrue();
            assertThat(WebhookSignature.verify(req.signature(), "other".getBytes(), req.body(), now, 300)).isFalse();
            byte[] tampered = req.body().clone();
            tampered[1] ^= 1;
            assertThat(WebhookSignature.verify(req.signature(), secret, tampered, now, 300)).isFalse();
        }
        Map<String, JsonNode> received = r.acknowledged().stream().flatMap(q -> q.events().stream())
                .collect(Collectors.toMap(e -> e.get("messageId").asText(), Function.identity()));
        for (DeliveryEvent e : sent) assertThat(received.get(e.getMessageId()).toString()).isEqualTo(EventJson.of(e).toString());

        Endpoint ep = w.endpoints().getFirst();
        await().atMost(WAIT).until(() -> fx.caughtUp(ep.group()));
        assertThat(ep.events()).isEqualTo(6);
        assertThat(ep.batches()).isEqualTo(r.acknowledged().size());

        // The documented snippets accept a real request and refuse it with another secret.
        Receiver.Request first = r.requests().getFirst();
        assertThat(Snippets.python(first.signature(), WebhooksFixture.SECRET, first.body())).isEqualTo("valid");
        assertThat(Snippets.python(first.signature(), "not-the-secret", first.body())).isEqualTo("invalid");
        assertThat(Snippets.shell(first.signature(), WebhooksFixture.SECRET, first.body())).isEqualTo("valid");
        assertThat(Snippets.shell(first.signature(), "not-the-secret", first.body())).isEqualTo("invalid");
    }

    @Test
    void outcomesFilterTheEventsAndFilteredEventsStillCountAsProgress() throws Exception {
        Receiver r = receiver(n -> 204);
        fx.produce(Outcome.DELIVERED, 3);
        List<DeliveryEvent> bounced = fx.produce(Outcome.BOUNCED, 2);
        Webhooks w = fx.start(Map.of("webhooks.urls", r.url(), "webhooks.outcomes", "bounced"));

        await().atMost(WAIT).until(() -> r.idsAcknowledged().containsAll(ids(bounced)));
        await().atMost(WAIT).until(() -> fx.caughtUp(w.endpoints().getFirst().group()));
        assertThat(r.idsRead()).containsExactlyInAnyOrderElementsOf(ids(bounced));
    }

    @Test
    void aReceiverFailingForAWhileThenAcceptingLosesNothing() throws Exception {
        Receiver r = receiver(n -> n <= 3 ? 500 : 200);
        List<DeliveryEvent> sent = fx.produce(Outcome.DELIVERED, 10);
        Webhooks w = fx.start(Map.of("webhooks.urls", r.url(), "webhooks.batch_max", "4"));

        await().atMost(WAIT).until(() -> r.idsAcknowledged().containsAll(ids(sent)));
        Endpoint ep = w.endpoints().getFirst();
        await().atMost(WAIT).until(() -> fx.caughtUp(ep.group()));
        assertThat(ep.failures(Failure.STATUS_5XX)).isEqualTo(3);
        assertThat(ep.deadLettered()).isZero();
        assertThat(Set.copyOf(r.idsAcknowledged())).containsExactlyInAnyOrderElementsOf(ids(sent));
    }

    @Test
    void aRestartOfTheSenderSendsAgainAtMostTheUnacknowledgedBatch() throws Exception {
        // Requests 1 and 2 are acknowledged; from the third on the receiver reads the batch and its
        // answer never comes (timeout): the sender must send that batch again, nothing before it.
        Receiver r = receiver(n -> n <= 2 ? 200 : -1);
        List<DeliveryEvent> sent = fx.produce(Outcome.DELIVERED, 20);
        Map<String, String> settings = Map.of("webhooks.urls", r.url(), "webhooks.batch_max", "5", "webhooks.timeout", "300ms");
        Webhooks first = fx.start(settings);
        await().atMost(WAIT).until(() -> r.requests().size() >= 4);
        first.close();
        List<String> beforeRestart = r.idsAcknowledged();

        r.answer(n -> 200);
        Webhooks second = fx.start(settings);
        await().atMost(WAIT).until(() -> r.idsAcknowledged().containsAll(ids(sent)));
        await().atMost(WAIT).until(() -> fx.caughtUp(second.endpoints().getFirst().group()));

        Map<String, Long> reads = r.idsRead().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        Set<String> duplicated = reads.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).collect(Collectors.toSet());
        Set<String> unacknowledgedBatch = Set.copyOf(r.requests().get(2).events().stream().map(e -> e.get("messageId").asText()).toList());
        assertThat(beforeRestart).hasSizeGreaterThan(0).doesNotContainAnyElementsOf(unacknowledgedBatch);
        assertThat(duplicated).as("only the batch whose answer was lost is read again").isSubsetOf(unacknowledgedBatch);
        assertThat(unacknowledgedBatch).hasSizeLessThanOrEqualTo(5);
        assertThat(r.idsAcknowledged()).as("acknowledged once each").doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(sent));
    }

    @Test
    void failingEndpointsAreCountedByKindAndHoldBackOnlyThemselves() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Receiver good = receiver(n -> 200);
        Receiver notFound = receiver(n -> 404);
        Receiver broken = receiver(n -> 503);
        Receiver silent = receiver(n -> -1);
        Receiver untrusted = new Receiver(n -> 200, Receiver.selfSigned());
        receivers.add(untrusted);
        String unreachable = "http://127.0.0.1:" + closedPort + "/hook";
        String tls = untrusted.url();
        List<DeliveryEvent> sent = fx.produce(Outcome.DELIVERED, 5);
        Webhooks w = fx.start(Map.of("webhooks.urls", String.join(",", unreachable, tls, notFound.url(), broken.url(), silent.url(), good.url()),
                "webhooks.timeout", "300ms"));

        await().atMost(WAIT).until(() -> good.idsAcknowledged().containsAll(ids(sent)));
        Map<String, Endpoint> byUrl = new HashMap<>();
        w.endpoints().forEach(e -> byUrl.put(e.url().toString(), e));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(byUrl.get(unreachable).failures(Failure.UNREACHABLE)).isPositive();
            assertThat(byUrl.get(tls).failures(Failure.TLS)).isPositive();
            assertThat(byUrl.get(notFound.url()).failures(Failure.STATUS_4XX)).isPositive();
            assertThat(byUrl.get(broken.url()).failures(Failure.STATUS_5XX)).isPositive();
            assertThat(byUrl.get(silent.url()).failures(Failure.TIMEOUT)).isPositive();
        });
        await().atMost(WAIT).until(() -> fx.caughtUp(byUrl.get(good.url()).group()));
        for (String down : List.of(unreachable, tls, notFound.url(), broken.url(), silent.url())) {
            assertThat(fx.committed(byUrl.get(down).group()).values()).as(down + " acknowledged nothing, committed nothing").containsOnly(0L);
            assertThat(byUrl.get(down).events()).isZero();
        }
        assertThat(untrusted.requests()).as("no request over a connection whose certificate is not trusted").isEmpty();
        assertThat(byUrl.values().stream().map(Endpoint::group).distinct()).hasSize(6);
    }

    @Test
    void aBatchOlderThanMaxAgeGoesToTheDlqWithTheReasonAndTheEndpointMovesOn() throws Exception {
        Receiver r = receiver(n -> 500);
        List<DeliveryEvent> old = fx.produce(Outcome.BOUNCED, 3);
        Webhooks w = fx.start(Map.of("webhooks.urls", r.url(), "webhooks.max_age", "2s"));
        Endpoint ep = w.endpoints().getFirst();

        List<ConsumerRecord<byte[], byte[]>> dlq = fx.kafka.awaitRecords(fx.topics.webhooksDlq(), 3, WAIT);
        assertThat(dlq).hasSize(3);
        assertThat(dlq.stream().map(d -> new String(d.key(), StandardCharsets.UTF_8))).containsExactlyInAnyOrderElementsOf(ids(old));
        for (ConsumerRecord<byte[], byte[]> d : dlq) {
            assertThat(DlqRecords.reason(d.headers())).contains("webhooks.max_age").contains(ep.label()).contains("status_5xx");
            assertThat(new String(d.headers().lastHeader(DlqRecords.SOURCE_TOPIC).value(), StandardCharsets.UTF_8)).isEqualTo(fx.topics.bounced());
            assertThat(new String(d.headers().lastHeader(EndpointLoop.ENDPOINT_HEADER).value(), StandardCharsets.UTF_8)).isEqualTo(ep.label());
            assertThat(fx.serde.deserialize(fx.topics.bounced(), d.value()).getOutcome()).isEqualTo(Outcome.BOUNCED);
        }
        await().atMost(WAIT).until(() -> fx.caughtUp(ep.group()));
        assertThat(ep.deadLettered()).isEqualTo(3);

        r.answer(n -> 200);
        List<DeliveryEvent> fresh = fx.produce(Outcome.DELIVERED, 1);
        await().atMost(WAIT).until(() -> r.idsAcknowledged().containsAll(ids(fresh)));
        assertThat(r.idsAcknowledged()).doesNotContainAnyElementsOf(ids(old));
    }

    @Test
    void deadLetteredEventsAreReplayedToTheirEndpointOnceItTakesThemAgain() throws Exception {
        Receiver r = receiver(n -> 503);
        List<DeliveryEvent> old = fx.produce(Outcome.DELIVERED, 5);
        Map<String, String> settings = Map.of("webhooks.urls", r.url(), "webhooks.max_age", "1s", "webhooks.batch_max", "2");
        fx.start(settings);
        List<ConsumerRecord<byte[], byte[]>> dlq = fx.kafka.awaitRecords(fx.topics.webhooksDlq(), 5, WAIT);
        int refused = r.requests().size();

        r.answer(n -> 200);
        List<WebhookReplay.Report> reports;
        try (WebhookReplay replay = WebhookReplay.fromConfig(fx.config(settings))) {
            for (ConsumerRecord<byte[], byte[]> d : dlq) {
                String endpoint = new String(d.headers().lastHeader(WebhookReplay.ENDPOINT_HEADER).value(), StandardCharsets.UTF_8);
                assertThat(replay.add(endpoint, d.value())).isTrue();
            }
            reports = replay.finish();
        }
        assertThat(reports).singleElement().satisfies(rep -> {
            assertThat(rep.ok()).isTrue();
            assertThat(rep.posted()).isEqualTo(5);
        });
        List<Receiver.Request> replayed = r.requests().subList(refused, r.requests().size());
        assertThat(replayed).extracting(q -> q.events().size()).containsExactly(2, 2, 1);
        assertThat(replayed.stream().flatMap(q -> q.events().stream()).map(e -> e.get("messageId").asText()))
                .containsExactlyInAnyOrderElementsOf(ids(old));
        byte[] secret = WebhooksFixture.SECRET.getBytes(StandardCharsets.UTF_8);
        for (Receiver.Request q : replayed) {
            assertThat(WebhookSignature.verify(q.signature(), secret, q.body(), Instant.now().getEpochSecond(), 300)).isTrue();
        }
    }
}

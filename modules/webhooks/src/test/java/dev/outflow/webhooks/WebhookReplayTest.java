package dev.outflow.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.RecordSerde;
import dev.outflow.codec.Serdes;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link WebhookReplay} against real HTTP receivers on 127.0.0.1: batching, a failing endpoint, what cannot be posted. */
class WebhookReplayTest {
    private final RecordSerde<DeliveryEvent> serde = Serdes.forConfig(null).deliveryEvent();
    private final List<Receiver> receivers = new ArrayList<>();

    @AfterEach
    void close() {
        receivers.forEach(Receiver::close);
    }

    private Receiver receiver(java.util.function.IntUnaryOperator status) throws Exception {
        Receiver r = new Receiver(status);
        receivers.add(r);
        return r;
    }

    private static Config config(String urls) {
        return Config.of(Map.of("webhooks.urls", urls, "webhooks.secret", WebhooksFixture.SECRET, "webhooks.batch_max", "3",
                "webhooks.timeout", "5s"));
    }

    private byte[] event() {
        return serde.serialize(null, WebhooksFixture.event(Outcome.BOUNCED));
    }

    private static String label(String url) {
        return new Endpoint(url, "").label();
    }

    @Test
    void anEndpointThatFailsABatchGetsNothingMoreAndTheOthersGoOn() throws Exception {
        Receiver failing = receiver(n -> n == 1 ? 200 : 500);
        Receiver healthy = receiver(n -> 200);
        try (WebhookReplay replay = WebhookReplay.fromConfig(config(failing.url() + "," + healthy.url()))) {
            for (int i = 0; i < 8; i++) {
                assertThat(replay.add(label(failing.url()), event())).isTrue();
                assertThat(replay.add(label(healthy.url()), event())).isTrue();
            }
            List<WebhookReplay.Report> reports = replay.finish();
            assertThat(reports).containsExactly(
                    new WebhookReplay.Report(label(failing.url()), 3, 5, "status_5xx, HTTP 500 (nope 500)"),
                    new WebhookReplay.Report(label(healthy.url()), 8, 0, null));
        }
        assertThat(failing.requests()).as("one batch taken, one refused, then nothing more").hasSize(2);
        assertThat(healthy.acknowledged()).extracting(q -> q.events().size()).containsExactly(3, 3, 2);
    }

    @Test
    void undecodableEventsAndUnknownEndpointsAreNotPostedAndAreCounted() throws Exception {
        Receiver r = receiver(n -> 200);
        try (WebhookReplay replay = WebhookReplay.fromConfig(config(r.url()))) {
            assertThat(replay.add(label(r.url()), "not avro".getBytes(StandardCharsets.UTF_8))).isFalse();
            assertThat(replay.add(label(r.url()), null)).isFalse();
            assertThat(replay.add("http://127.0.0.1:9/gone", event())).isFalse();
            assertThat(replay.add(null, event())).isFalse();
            assertThat(replay.add(label(r.url()), event())).isTrue();
            assertThat(replay.undecodable()).isEqualTo(2);
            assertThat(replay.finish()).containsExactly(
                    new WebhookReplay.Report(label(r.url()), 1, 0, null),
                    new WebhookReplay.Report("http://127.0.0.1:9/gone", 0, 1, "not in webhooks.urls"),
                    new WebhookReplay.Report("(no endpoint header)", 0, 1, "not in webhooks.urls"));
        }
        assertThat(r.acknowledged()).hasSize(1);
    }

    @Test
    void withoutEndpointsOrSecretItRefusesToStartNamingTheKey() {
        assertThatThrownBy(() -> WebhookReplay.fromConfig(Config.of(Map.of("webhooks.secret", "s"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("webhooks.urls");
        assertThatThrownBy(() -> WebhookReplay.fromConfig(Config.of(Map.of("webhooks.urls", "http://127.0.0.1:9/x"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("webhooks.secret");
    }
}

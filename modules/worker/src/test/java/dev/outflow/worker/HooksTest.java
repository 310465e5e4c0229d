package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.core.hooks.Delivered;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Hooks as seen through the worker: the delivered hook runs once per delivery, after the commit;
 * a deferred hook answering OK drops the message, which ends with a DROPPED event on bounced and
 * no retry.
 */
class HooksTest {

    /** Drops every deferred message and records delivered calls. */
    static final class Recorder implements OutboundPlugin {
        final List<Delivered> delivered = new CopyOnWriteArrayList<>();

        @Override
        public HookResult deferred(MessageView message, Duration delay, String error) {
            return HookResult.ok();
        }

        @Override
        public void delivered(MessageView message, Delivered d) {
            delivered.add(d);
        }
    }

    @Test
    void deliveredHookOnceAndDeferredHookDrop() throws Exception {
        Recorder recorder = new Recorder();
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.12").rcpt("busy@h.test", 451, "4.3.2 busy").start();
             WorkerHarness h = new WorkerHarness(1)) {
            h.mx.route("h.test", mx);
            DeliveryWorker worker = h.startWorker("hooks", b -> DeliveryWorker.configure(h.config, h.kafkaProps(), h.mx,
                    new PluginChain(List.of(recorder))).workerId("hooks"));
            OutboundMessage ok = h.submit(WorkerHarness.message("fine@h.test"));
            OutboundMessage busy = h.submit(WorkerHarness.message("busy@h.test"));

            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 1 && worker.dropped() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.delivered.size() == 1);
            assertThat(recorder.delivered.getFirst().okRecipients()).containsExactly("fine@h.test");
            assertThat(recorder.delivered.getFirst().host()).isEqualTo("mx.h.test");
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> recorder.delivered.size() == 1);

            assertThat(h.events(h.topics.delivered())).extracting(DeliveryEvent::getMessageId).containsExactly(ok.getId());
            assertThat(h.events(h.topics.deferred())).isEmpty();
            List<DeliveryEvent> bounced = h.events(h.topics.bounced());
            assertThat(bounced).singleElement().satisfies(e -> {
                assertThat(e.getMessageId()).isEqualTo(busy.getId());
                assertThat(e.getOutcome()).isEqualTo(Outcome.DROPPED);
                assertThat(e.getRecipients()).extracting(r -> r.getAddress() + " " + r.getCode()).containsExactly("busy@h.test 451");
                assertThat(e.getReason()).contains("deferred hook");
            });
        }
    }
}

package dev.outflow.submission;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.Origin;
import dev.outflow.core.intake.RejectKind;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** OutflowClient over the fake queue: ids, rejections, queue failures, plugin OK. */
class OutflowClientTest {
    private static final byte[] MSG = "Subject: hi\n\nbody\n".getBytes(UTF_8);
    private final FakeOutboundQueue queue = new FakeOutboundQueue();

    private OutflowClient client(OutboundPlugin... plugins) {
        Config config = Config.of(Map.of("me", "outflow.test", "outbound.max_message_bytes", "1k"));
        return new OutflowClient(new Intake(config, new PluginChain(List.of(plugins))), queue);
    }

    @Test
    void completesWithTheIdOnceQueued() throws Exception {
        String id = client().sendEmail("a@sender.test", List.of("x@one.test", "y@two.test"), MSG).get(10, TimeUnit.SECONDS);

        assertThat(queue.queued()).singleElement().satisfies(q -> {
            assertThat(q.id()).isEqualTo(id);
            assertThat(q.parts()).hasSize(2).allSatisfy(p -> assertThat(p.origin()).isEqualTo(Origin.api()));
        });
    }

    @Test
    void callersIdAndNotesAreKept() throws Exception {
        String id = client().sendEmail("order-7", "", List.of("x@one.test"), MSG, Map.of("campaign", "spring")).get(10, TimeUnit.SECONDS);

        assertThat(id).isEqualTo("order-7");
        assertThat(queue.queued().get(0).parts().get(0).delivery().notes()).containsEntry("campaign", "spring");
        assertThat(queue.queued().get(0).parts().get(0).delivery().mailFrom()).isEmpty();
    }

    @Test
    void rejectionFailsWithCodeAndKind() {
        var future = client().sendEmail("a@sender.test", List.of("not-an-address"), MSG);

        assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(SubmissionRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RejectKind.PERMANENT);
                    assertThat(e.code()).isEqualTo(550);
                    assertThat(e.enhancedCode()).isEqualTo("5.1.3");
                    assertThat(e.getMessage()).startsWith("550 5.1.3");
                });
        assertThat(queue.attempts()).isZero();
    }

    @Test
    void oversizeIsRejected() {
        var future = client().sendEmail("a@sender.test", List.of("x@one.test"), new byte[2000]);

        assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(SubmissionRejectedException.class, e -> assertThat(e.code()).isEqualTo(552));
    }

    @Test
    void queueFailureFailsWithQueueException() {
        queue.mode(FakeOutboundQueue.Mode.FAIL);
        var future = client().sendEmail("a@sender.test", List.of("x@one.test"), MSG);

        assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(QueueException.class);
    }

    @Test
    void pluginOkCompletesWithoutQueueing() throws Exception {
        OutboundPlugin ok = new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                return HookResult.ok();
            }
        };
        String id = client(ok).sendEmail("a@sender.test", List.of("x@one.test"), "Subject: s\n\nb\n").get(10, TimeUnit.SECONDS);

        assertThat(id).isNotBlank();
        assertThat(queue.attempts()).isZero();
    }

    @Test
    void denysoftIsTemporary() {
        OutboundPlugin soft = new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                return HookResult.denysoft("busy");
            }
        };
        var future = client(soft).sendEmail("a@sender.test", List.of("x@one.test"), MSG);

        assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(SubmissionRejectedException.class, e -> {
                    assertThat(e.isTemporary()).isTrue();
                    assertThat(e.getMessage()).isEqualTo("451 4.7.1 busy");
                });
    }
}

package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.OutflowProcess;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.OperatorStack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pause and resume, the two ways an operator has: {@code outbound.disabled=true} written into the
 * config file of the running process (hot reload), and the {@code outflow pause} / {@code outflow
 * resume} commands (control topic). While paused, submissions are still accepted but nothing is
 * delivered; after resume the waiting mail goes out.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class PauseIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration HOLD = Duration.ofSeconds(8);
    static final String SENDER = Stack.sender("pause-sender");

    static Outflow outflow;
    static OutflowProcess up;
    static FakeMx mx;

    @BeforeAll
    static void start(OperatorStack s) {
        outflow = s.outflow();
        up = s.process();
        mx = FakeMx.builder().bind("127.0.0.12").port(s.port()).hostname("mx12.test").start();
    }

    @AfterAll
    static void stop() {
        Closer.close(mx);
    }

    @Test
    void outboundDisabledInTheConfigFilePausesAndResumesDelivery() {
        OutflowProcess.Mark mark = up.mark();
        outflow.setInConfigFile("outbound.disabled", "true");
        String id;
        try {
            up.awaitOutputSince(mark, "delivery paused", WAIT);
            id = outflow.send(SENDER, List.of("held-by-config@d12.test"), "Held", "until resumed");
            assertNothingDeliveredFor(id, "held-by-config@d12.test");
        } finally {
            mark = up.mark();
            outflow.setInConfigFile("outbound.disabled", "false");
        }
        up.awaitOutputSince(mark, "delivery resumed", WAIT);
        outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(mx.received()).anyMatch(m -> m.recipients().contains("held-by-config@d12.test"));
    }

    @Test
    void pauseAndResumeCommandsStopAndRestartDelivery() {
        OutflowProcess.Mark mark = up.mark();
        String id;
        outflow.run("pause").requireSuccess();
        try {
            up.awaitOutputSince(mark, "delivery paused", WAIT);
            id = outflow.send(SENDER, List.of("held-by-command@d12.test"), "Held", "until resumed");
            assertNothingDeliveredFor(id, "held-by-command@d12.test");
        } finally {
            mark = up.mark();
            outflow.run("resume").requireSuccess();
        }
        up.awaitOutputSince(mark, "delivery resumed", WAIT);
        outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(mx.received()).anyMatch(m -> m.recipients().contains("held-by-command@d12.test"));
    }

    private static void assertNothingDeliveredFor(String id, String rcpt) {
        Awaitility.await("nothing delivered while paused").during(HOLD).atMost(HOLD.plusSeconds(5))
                .until(() -> outflow.events().forMessage(id).isEmpty()
                        && mx.received().stream().noneMatch(m -> m.recipients().contains(rcpt)));
    }
}

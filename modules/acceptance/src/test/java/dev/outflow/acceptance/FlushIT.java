package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.OperatorStack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.FakeMx;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Flush (Haraka's SIGHUP): with retries 10 minutes apart, a deferred message waits; {@code outflow
 * flush} (or SIGHUP to the running process) makes every waiting record due now, and it is
 * delivered at once.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class FlushIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String SENDER = Stack.sender("flush-sender");

    static Stack stack;
    static Outflow outflow;
    static FakeMx mx;

    @BeforeAll
    static void start(OperatorStack s) {
        stack = s;
        outflow = s.outflow();
        Action busy = Action.reply(450, "4.3.2 busy, come back later");
        mx = FakeMx.builder().bind("127.0.0.11").port(s.port()).hostname("mx11.test")
                .rcpt("flush@d11.test", busy, Action.proceed())
                .rcpt("hup@d11.test", busy, Action.proceed())
                .start();
    }

    @AfterAll
    static void stop() {
        Closer.close(mx);
    }

    @Test
    void outflowFlushDeliversDeferredMailNowInsteadOfInTenMinutes() {
        String id = outflow.send(SENDER, List.of("flush@d11.test"), "Flush me", "now please");
        Event deferred = awaitDeferredForTenMinutes(id);

        outflow.run("flush").requireSuccess();

        assertDeliveredLongBeforeItWasDue(id, deferred);
    }

    @Test
    void sighupFlushesToo() throws IOException, InterruptedException {
        String id = outflow.send(SENDER, List.of("hup@d11.test"), "Hang up", "and flush");
        Event deferred = awaitDeferredForTenMinutes(id);

        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(stack.process().pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();

        assertDeliveredLongBeforeItWasDue(id, deferred);
    }

    private static Event awaitDeferredForTenMinutes(String id) {
        Event deferred = outflow.events().await(id, Outcome.DEFERRED, WAIT);
        assertThat(deferred.value().getNextAttemptAt() - deferred.value().getAt())
                .as("next attempt per outbound.temp_fail_intervals=10m*3").isGreaterThan(Duration.ofMinutes(9).toMillis());
        return deferred;
    }

    private static void assertDeliveredLongBeforeItWasDue(String id, Event deferred) {
        Event delivered = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(delivered.value().getAttempt()).isEqualTo(1);
        assertThat(delivered.value().getAt()).isLessThan(deferred.value().getNextAttemptAt() - Duration.ofMinutes(8).toMillis());
    }
}

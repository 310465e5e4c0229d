package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.MainStack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A remote MX must never hurt other domains: d14.test's MX answers EHLO with a reply that never
 * ends ({@code 250-xxx...} as fast as it is read). The process keeps serving: {@code outflow
 * send} to another domain is queued and delivered, and d14.test is deferred as a protocol error.
 * Before replies were bounded, the worker kept every line until the JVM ran out of memory, and
 * the embedded broker of the same process stopped answering with it.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class HostileMxIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SENDER = Stack.sender("hostile-sender");

    static Outflow outflow;
    static FakeMx hostile;
    static FakeMx healthy;

    @BeforeAll
    static void start(MainStack stack) {
        outflow = stack.outflow();
        hostile = FakeMx.builder().bind("127.0.0.14").port(stack.port()).hostname("mx14.test").flood(Command.EHLO).start();
        healthy = FakeMx.builder().bind("127.0.0.15").port(stack.port()).hostname("mx15.test").start();
    }

    @AfterAll
    static void stop() {
        Closer.close(hostile, healthy);
    }

    @Test
    void anEndlessEhloReplyIsDeferredAndOtherDomainsAreStillServed() {
        String toHostile = outflow.send(SENDER, List.of("victim@d14.test"), "To the flood", "Hello");
        Awaitility.await().atMost(WAIT).until(() -> hostile.connections() > 0);

        String toHealthy = outflow.send(SENDER, List.of("someone@d15.test"), "Elsewhere", "Hello");
        Event delivered = outflow.events().await(toHealthy, Outcome.DELIVERED, WAIT);
        assertThat(delivered.value().getIp()).isEqualTo("127.0.0.15");

        Event deferred = outflow.events().await(toHostile, Outcome.DEFERRED, WAIT);
        assertThat(deferred.recipient("victim@d14.test").getEnhancedCode()).isEqualTo("4.5.0");
        assertThat(deferred.recipient("victim@d14.test").getResponse())
                .startsWith("protocol error after EHLO with mx14.test[127.0.0.14]")
                .endsWith("reply is longer than 65536 bytes");
        assertThat(hostile.count(Command.MAIL)).isZero();
    }
}

package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.MainStack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * LMTP through a get_mx plugin: Outflow has no config key for LMTP routes, so the operator's way is
 * a plugin in {@code plugins.dir}. The suite drops its {@code LmtpRoutes} plugin jar there, routing
 * d10.test over LMTP to 127.0.0.10. An LMTP server answers per recipient after the final dot: one
 * mailbox takes the message, the other is full for good (552) and bounces.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class LmtpIT {
    static final Duration WAIT = Duration.ofSeconds(90);

    static Outflow outflow;
    static FakeMx lmtp;

    @BeforeAll
    static void start(MainStack s) {
        outflow = s.outflow();
        lmtp = FakeMx.builder().bind("127.0.0.10").port(s.port()).hostname("lmtp10.test").lmtp()
                .lmtpReply("full@d10.test", 552, "5.2.2 mailbox full")
                .start();
    }

    @AfterAll
    static void stop() {
        Closer.close(lmtp);
    }

    @Test
    void deliversOverLmtpWithOneReplyPerRecipient() {
        String id = outflow.send(Stack.sender("lmtp-sender"), List.of("box@d10.test", "full@d10.test"), "Via LMTP", "Into the mailbox");

        Event delivered = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(delivered.addresses()).containsExactly("box@d10.test");
        assertThat(delivered.value().getMode()).isEqualTo("LMTP");
        assertThat(delivered.value().getIp()).isEqualTo("127.0.0.10");
        Event bounced = outflow.events().await(id, Outcome.BOUNCED, WAIT);
        assertThat(bounced.addresses()).containsExactly("full@d10.test");
        assertThat(bounced.recipient("full@d10.test").getCode()).isEqualTo(552);

        ReceivedMessage got = lmtp.received().stream().filter(m -> m.text().contains("Into the mailbox")).findFirst().orElseThrow();
        assertThat(got.recipients()).containsExactly("box@d10.test");
        assertThat(lmtp.transcript(got.connection()).commands()).anyMatch(c -> c.startsWith("LHLO "));
    }
}

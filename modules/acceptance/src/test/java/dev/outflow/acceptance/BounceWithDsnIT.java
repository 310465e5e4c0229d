package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.Dsn;
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
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Permanent failure: the MX of d6.test answers 550 5.1.1 to one recipient and accepts the other.
 * The refused recipient gets a BOUNCED event and the sender a DSN (RFC 3464 multipart/report, from
 * the null sender) at its own domain's MX; the accepted one is delivered and not in the DSN.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class BounceWithDsnIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SENDER = Stack.sender("bounce-sender");

    static Stack stack;
    static Outflow outflow;
    static FakeMx mx;

    @BeforeAll
    static void start(MainStack s) {
        stack = s;
        outflow = s.outflow();
        mx = FakeMx.builder().bind("127.0.0.6").port(s.port()).hostname("mx6.test")
                .rcpt("nobody@d6.test", 550, "5.1.1 <nobody@d6.test>: Recipient address rejected: User unknown")
                .start();
    }

    @AfterAll
    static void stop() {
        Closer.close(mx);
    }

    @Test
    void a550BouncesThatRecipientAndTheSenderGetsADsn() {
        String id = outflow.send(SENDER, List.of("nobody@d6.test", "somebody@d6.test"), "Bounce me", "Original body text");

        Event bounced = outflow.events().await(id, Outcome.BOUNCED, WAIT);
        assertThat(bounced.topic()).isEqualTo("outflow.bounced");
        assertThat(bounced.addresses()).containsExactly("nobody@d6.test");
        assertThat(bounced.recipient("nobody@d6.test").getCode()).isEqualTo(550);
        assertThat(bounced.recipient("nobody@d6.test").getEnhancedCode()).isEqualTo("5.1.1");
        Event delivered = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(delivered.addresses()).containsExactly("somebody@d6.test");
        assertThat(mx.received()).filteredOn(m -> m.text().contains("Original body text"))
                .singleElement().satisfies(m -> assertThat(m.recipients()).containsExactly("somebody@d6.test"));

        ReceivedMessage dsnMail = awaitDsnAbout("nobody@d6.test");
        assertThat(dsnMail.mailFrom()).as("DSNs come from the null sender").isEmpty();
        assertThat(dsnMail.recipients()).containsExactly(SENDER);

        Dsn dsn = Dsn.parse(dsnMail.data());
        assertThat(dsn.contentType()).startsWith("multipart/report");
        assertThat(dsn.reportType()).isEqualToIgnoringCase("delivery-status");
        assertThat(dsn.partTypes()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(dsn.partTypes().get(0)).isEqualTo("text/plain");
        assertThat(dsn.partTypes().get(1)).isEqualTo("message/delivery-status");
        assertThat(dsn.partTypes().get(2)).isIn("message/rfc822", "text/rfc822-headers");
        assertThat(dsn.perMessage().get("reporting-mta")).contains("outflow.acceptance.test");
        assertThat(dsn.perRecipient()).hasSize(1);
        Map<String, String> r = dsn.recipient("nobody@d6.test");
        assertThat(r.get("final-recipient")).isEqualToIgnoringCase("rfc822; nobody@d6.test");
        assertThat(r.get("action")).isEqualTo("failed");
        assertThat(r.get("status")).isEqualTo("5.1.1");
        assertThat(r.get("diagnostic-code")).startsWith("smtp;").contains("550").contains("User unknown");
        assertThat(dsn.original()).contains("Subject: Bounce me");

        Event dsnDelivered = outflow.events().await("DSN delivered to " + SENDER,
                e -> e.outcome() == Outcome.DELIVERED && e.concerns(SENDER) && e.value().getMailFrom().isEmpty(), WAIT);
        assertThat(dsnDelivered.messageId()).isNotEqualTo(id);
    }

    private static ReceivedMessage awaitDsnAbout(String address) {
        return Awaitility.await("DSN about " + address).atMost(WAIT)
                .until(() -> stack.postmaster().received().stream()
                        .filter(m -> m.recipients().contains(SENDER) && m.text().contains(address)).findFirst(), Optional::isPresent)
                .orElseThrow();
    }
}

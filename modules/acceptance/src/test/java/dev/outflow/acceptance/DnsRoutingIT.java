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
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the DNS answers decide, with a real authoritative server (knot, {@code dns/test.zone}): the
 * backup MX takes the mail when the primary does not answer (two.test: MX 10 → 127.0.0.3 with
 * nothing listening, MX 20 → 127.0.0.4), a domain without MX is delivered to its A record
 * (implicit.test → 127.0.0.5, RFC 5321 5.1), a null MX (RFC 7505) and a domain that does not
 * exist bounce at once, without retries, with a DSN.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class DnsRoutingIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SENDER = Stack.sender("dns-sender");

    static Stack stack;
    static Outflow outflow;
    static FakeMx backup;
    static FakeMx implicit;

    @BeforeAll
    static void start(MainStack s) {
        stack = s;
        outflow = s.outflow();
        // 127.0.0.3 (two.test's primary) stays closed: connection refused.
        backup = FakeMx.builder().bind("127.0.0.4").port(s.port()).hostname("mx2.two.test").start();
        implicit = FakeMx.builder().bind("127.0.0.5").port(s.port()).hostname("implicit.test").start();
    }

    @AfterAll
    static void stop() {
        Closer.close(backup, implicit);
    }

    @Test
    void theBackupMxTakesTheMailWhenThePrimaryRefusesConnections() {
        String id = outflow.send(SENDER, List.of("someone@two.test"), "Primary down", "via the backup");

        Event e = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(e.value().getIp()).isEqualTo("127.0.0.4");
        assertThat(e.value().getAttempt()).as("a dead primary is not a failed attempt when the backup answers").isZero();
        assertThat(backup.received()).anyMatch(m -> m.recipients().contains("someone@two.test"));
    }

    @Test
    void aDomainWithoutMxIsDeliveredToItsAddress() {
        String id = outflow.send(SENDER, List.of("someone@implicit.test"), "No MX", "implicit MX");

        Event e = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(e.value().getIp()).isEqualTo("127.0.0.5");
        assertThat(implicit.received()).anyMatch(m -> m.recipients().contains("someone@implicit.test"));
    }

    @Test
    void aNullMxBouncesAtOnceWith5110() {
        String id = outflow.send(SENDER, List.of("someone@nullmx.test"), "Null MX", "nobody takes this");

        Event e = outflow.events().await(id, Outcome.BOUNCED, WAIT);
        assertThat(e.value().getAttempt()).isZero();
        assertThat(e.recipient("someone@nullmx.test").getEnhancedCode()).isEqualTo("5.1.10");
        assertThat(outflow.events().forMessage(id)).noneMatch(x -> x.outcome() == Outcome.DEFERRED);
        assertThat(dsnAbout("someone@nullmx.test").recipient("someone@nullmx.test").get("status")).isEqualTo("5.1.10");
    }

    @Test
    void aDomainThatDoesNotExistBouncesAtOnceWith512() {
        String id = outflow.send(SENDER, List.of("someone@no-such-domain.test"), "NXDOMAIN", "nowhere");

        Event e = outflow.events().await(id, Outcome.BOUNCED, WAIT);
        assertThat(e.value().getAttempt()).isZero();
        assertThat(e.recipient("someone@no-such-domain.test").getEnhancedCode()).isEqualTo("5.1.2");
        assertThat(outflow.events().forMessage(id)).noneMatch(x -> x.outcome() == Outcome.DEFERRED);
        assertThat(dsnAbout("someone@no-such-domain.test").recipient("someone@no-such-domain.test").get("status")).isEqualTo("5.1.2");
    }

    private static Dsn dsnAbout(String address) {
        ReceivedMessage m = Awaitility.await("DSN about " + address).atMost(WAIT)
                .until(() -> stack.postmaster().received().stream()
                        .filter(r -> r.recipients().contains(SENDER) && r.text().contains(address)).findFirst(), Optional::isPresent)
                .orElseThrow();
        assertThat(m.mailFrom()).isEmpty();
        return Dsn.parse(m.data());
    }
}

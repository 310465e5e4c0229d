package dev.outflow.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.acceptance.harness.Dsn;
import dev.outflow.acceptance.harness.EventLog.Event;
import dev.outflow.acceptance.harness.Outflow;
import dev.outflow.acceptance.harness.PrintLogsOnFailure;
import dev.outflow.acceptance.harness.SmtpSink;
import dev.outflow.acceptance.harness.Stack;
import dev.outflow.acceptance.harness.Stacks;
import dev.outflow.acceptance.harness.Stacks.MainStack;
import dev.outflow.avro.Outcome;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Temporary failures: a 450 is deferred (failure 1) and retried after
 * {@code outbound.temp_fail_intervals} ({@code 2s*3} here) through the scheduler's delay buckets,
 * then delivered at attempt 1; a server that keeps answering 450 (smtp-sink {@code -r RCPT}) is
 * retried three times and then bounced, with a DSN to the sender.
 */
@ExtendWith({Stacks.class, PrintLogsOnFailure.class})
class DeferThenRetryIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SENDER = Stack.sender("retry-sender");

    static Stack stack;
    static Outflow outflow;
    static FakeMx busyOnce;
    static SmtpSink alwaysBusy;

    @BeforeAll
    static void start(MainStack s) {
        stack = s;
        outflow = s.outflow();
        busyOnce = FakeMx.builder().bind("127.0.0.4").port(s.port()).hostname("mx4.test")
                .rcpt("later@d4.test", Action.reply(450, "4.2.1 mailbox busy, try later"), Action.proceed())
                .start();
        alwaysBusy = SmtpSink.start("127.0.0.5", s.port(), outflow.dir(), "-r", "RCPT");
    }

    @AfterAll
    static void stop() {
        Closer.close(busyOnce, alwaysBusy);
    }

    @Test
    void a450IsDeferredThenRetriedAndDeliveredAtAttemptOne() {
        String id = outflow.send(SENDER, List.of("later@d4.test"), "Try again", "Second time lucky");

        Event deferred = outflow.events().await(id, Outcome.DEFERRED, WAIT);
        assertThat(deferred.topic()).isEqualTo("outflow.deferred");
        // A DEFERRED event counts the failures so far (Haraka's num_failures), like the retry it carries.
        assertThat(deferred.value().getAttempt()).isEqualTo(1);
        assertThat(deferred.recipient("later@d4.test").getCode()).isEqualTo(450);
        assertThat(deferred.value().getNextAttemptAt()).isNotNull();
        assertThat(deferred.value().getNextAttemptAt() - deferred.value().getAt()).isBetween(1_000L, 10_000L);
        assertThat(deferred.value().getMessage()).as("the message to retry rides in the DEFERRED event").isNotNull();
        assertThat(deferred.value().getMessage().getAttempt()).isEqualTo(1);

        Event delivered = outflow.events().await(id, Outcome.DELIVERED, WAIT);
        assertThat(delivered.value().getAttempt()).isEqualTo(1);
        assertThat(delivered.recipient("later@d4.test").getCode()).isEqualTo(250);
        assertThat(delivered.value().getAt() - deferred.value().getAt())
                .as("the retry waits for the 2 s interval").isGreaterThanOrEqualTo(1_500L);

        List<ReceivedMessage> got = busyOnce.received().stream().filter(m -> m.recipients().contains("later@d4.test")).toList();
        assertThat(got).hasSize(1);
        assertThat(outflow.events().forMessage(id)).extracting(Event::outcome)
                .containsExactlyInAnyOrder(Outcome.DEFERRED, Outcome.DELIVERED);
    }

    @Test
    void aServerThatKeepsDeferringIsRetriedThreeTimesThenBouncedWithADsn() {
        String id = outflow.send(SENDER, List.of("stuck@d5.test"), "Never gets through", "Sorry");

        Event bounced = outflow.events().await(id, Outcome.BOUNCED, WAIT);
        assertThat(bounced.value().getAttempt()).isEqualTo(3);
        List<Event> deferrals = outflow.events().forMessage(id).stream().filter(e -> e.outcome() == Outcome.DEFERRED)
                .sorted(Comparator.comparing(e -> e.value().getAttempt())).toList();
        assertThat(deferrals).extracting(e -> e.value().getAttempt()).containsExactly(1, 2, 3);
        assertThat(deferrals).allSatisfy(e -> assertThat(e.recipient("stuck@d5.test").getCode()).isEqualTo(450));

        ReceivedMessage dsnMail = Awaitility.await("DSN to " + SENDER).atMost(WAIT)
                .until(() -> stack.postmaster().received().stream()
                        .filter(m -> m.recipients().contains(SENDER) && m.text().contains("stuck@d5.test")).findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
        assertThat(dsnMail.mailFrom()).as("a DSN has the null sender").isEmpty();
        Dsn dsn = Dsn.parse(dsnMail.data());
        Map<String, String> r = dsn.recipient("stuck@d5.test");
        assertThat(r.get("action")).isEqualTo("failed");
        assertThat(r.get("diagnostic-code")).contains("450");
        assertThat(alwaysBusy.messages()).as("smtp-sink refused every RCPT").isEmpty();
    }
}

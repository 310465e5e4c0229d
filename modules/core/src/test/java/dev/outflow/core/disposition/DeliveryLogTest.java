package dev.outflow.core.disposition;

import static dev.outflow.core.disposition.DispositionTest.BOB_250;
import static dev.outflow.core.disposition.DispositionTest.CAROL_450;
import static dev.outflow.core.disposition.DispositionTest.DAVE_550;
import static dev.outflow.core.disposition.DispositionTest.delivery;
import static dev.outflow.core.disposition.DispositionTest.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.bounce.BounceBuilder;
import dev.outflow.core.bounce.BounceTemplate;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.retry.RetrySchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden lines of the per-outcome delivery log (Postfix maillog style). */
class DeliveryLogTest {
    final BounceBuilder bounces = new BounceBuilder("mx.outflow.test", 10 << 20, BounceTemplate.builtIn(), DispositionTest.CLOCK, () -> "dsn-1");
    final Disposition disposition = new Disposition(() -> RetrySchedule.parse("1m, 5m, 1h"), new PluginChain(List.of()), bounces);

    @Test
    void oneLinePerRecipientWithRelayDelayAttemptStatusTlsAndReply() {
        var plan = disposition.decide(delivery("alice@sender.example", 0, null, "bob@dest.example", "carol@dest.example", "dave@dest.example"),
                result(BOB_250, CAROL_450, DAVE_550), DispositionTest.NOW);

        assertThat(DeliveryLog.lines(plan)).containsExactly(
                "m-1: to=<bob@dest.example>, relay=mx1.dest.example[192.0.2.1]:25, delay=330.0s, attempt=1, dsn=2.0.0, status=delivered, tls=yes (250 2.0.0 ok queued as 123)",
                "m-1: to=<carol@dest.example>, relay=mx1.dest.example[192.0.2.1]:25, delay=330.0s, attempt=1, dsn=4.2.2, status=deferred, tls=yes, retry in 1m00s (450 4.2.2 mailbox full)",
                "m-1: to=<dave@dest.example>, relay=mx1.dest.example[192.0.2.1]:25, delay=330.0s, attempt=1, dsn=5.1.1, status=bounced, tls=yes, DSN dsn-1 (550 5.1.1 no such user)");
    }

    @Test
    void noServerReachedIsRelayNoneAndMultiLineRepliesStayOnOneLine() {
        var plan = disposition.decide(delivery("", 2, null, "bob@dest.example"),
                DeliveryResult.all(List.of("bob@dest.example"), 0, "4.4.3", "DNS lookup failed:\r\nSERVFAIL"), DispositionTest.NOW);

        assertThat(DeliveryLog.lines(plan)).containsExactly(
                "m-1: to=<bob@dest.example>, relay=none, delay=330.0s, attempt=3, dsn=4.4.3, status=deferred, tls=no, retry in 1h00m (4.4.3 DNS lookup failed: SERVFAIL)");
    }

    @Test
    void theTlsPolicyOfTheAttemptIsNamedAfterTls() {
        var plan = disposition.decide(delivery("alice@sender.example", 0, null, "bob@dest.example"),
                new DeliveryResult(List.of(BOB_250), "mx1.dest.example", "192.0.2.1", 25, "SMTP", true, null, false, "mta-sts/enforce"),
                DispositionTest.NOW);

        assertThat(DeliveryLog.lines(plan)).containsExactly(
                "m-1: to=<bob@dest.example>, relay=mx1.dest.example[192.0.2.1]:25, delay=330.0s, attempt=1, dsn=2.0.0, status=delivered, tls=yes, tls_policy=mta-sts/enforce (250 2.0.0 ok queued as 123)");
    }

    @Test
    void delaysPrintAsFormatWouldPrintThem() {
        for (long ms : new long[] {0, 1, 49, 50, 51, 949, 950, 999, 1_000, 1_449, 1_450, 1_451, 59_999, 99_950, 330_000, 86_399_999, 123_456_789}) {
            assertThat(DeliveryLog.seconds(new StringBuilder(), ms).toString())
                    .as("%d ms", ms).isEqualTo(String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0));
        }
    }
}

package dev.outflow.reporting.internal;

import static dev.outflow.reporting.internal.Driver.T0;
import static dev.outflow.reporting.internal.Driver.event;
import static dev.outflow.reporting.internal.Driver.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.outflow.avro.Outcome;
import dev.outflow.codec.suppression.Suppression;
import dev.outflow.codec.suppression.SuppressionRecords;

class SuppressionTopologyTest {

    @Test
    void aPermanentBadMailboxBounceSuppressesTheAddressForTheTtl() {
        try (Driver d = new Driver()) {
            d.pipe(event("m1", Outcome.BOUNCED, T0, 0, rcpt("Bob@Example.org", 550, "5.1.1", "550 5.1.1 <Bob@Example.org>: user unknown")));
            var out = d.suppressionOutputs();
            assertThat(out).hasSize(1);
            Suppression s = out.get(0).value;
            assertThat(out.get(0).key).isEqualTo("bob@example.org");
            assertThat(s.source()).isEqualTo(Suppression.BOUNCE);
            assertThat(s.messageId()).isEqualTo("m1");
            assertThat(s.reason()).isEqualTo("550 5.1.1 <Bob@Example.org>: user unknown");
            assertThat(s.expiresAt() - s.createdAt()).isEqualTo(Duration.ofDays(30).toMillis());
            // The tracker's output is the global table's input: every instance sees it.
            assertThat(d.globalSuppression("bob@example.org")).isEqualTo(s);
            assertThat(d.queries().suppression("bob@example.org")).contains(s);
        }
    }

    @Test
    void otherBouncesDeferralsAndDuplicatesDoNotSuppress() {
        try (Driver d = new Driver()) {
            d.pipe(event("m1", Outcome.BOUNCED, T0, 0, rcpt("full@example.org", 552, "5.2.2", "552 5.2.2 mailbox full")));
            d.pipe(event("m2", Outcome.DEFERRED, T0, 1, rcpt("later@example.org", 450, "4.1.1", "450 4.1.1 user unknown, try later")));
            d.pipe(event("m3", Outcome.BOUNCED, T0, 0, rcpt("dns@nowhere.example", 550, "5.1.2", "Domain nowhere.example does not exist (NXDOMAIN)")));
            assertThat(d.suppressionOutputs()).isEmpty();

            var bad = event("m4", Outcome.BOUNCED, T0, 0, rcpt("gone@example.org", 550, "5.1.1", "550 no such user"));
            d.pipe(bad);
            d.pipe(bad);
            assertThat(d.suppressionOutputs()).hasSize(1);
        }
    }

    @Test
    void expiredEntriesGetATombstoneAndManualOnesStay() {
        try (Driver d = new Driver()) {
            long now = T0.toEpochMilli();
            d.suppressionsIn.pipeInput("old@example.org".getBytes(), SuppressionRecords.encode(
                    new Suppression("old@example.org", "550 5.1.1", Suppression.BOUNCE, "m0", now - 100_000, now - 1)));
            d.suppressionsIn.pipeInput("keep@example.org".getBytes(), SuppressionRecords.encode(
                    new Suppression("keep@example.org", "by hand", Suppression.MANUAL, null, now, 0)));
            d.suppressionsIn.pipeInput("bad@example.org".getBytes(), "{not json".getBytes());
            assertThat(d.globalSuppressionCount()).isEqualTo(2);
            assertThat(d.queries().suppressions()).extracting(Suppression::address).containsExactly("keep@example.org");

            // The expiry runs in task 0 once a minute of wall-clock time; it needs a task, so one event first.
            d.pipe(event("m1", Outcome.DELIVERED, T0, 0, rcpt("a@example.org", 250, null, "250 ok")));
            d.driver.advanceWallClockTime(Duration.ofMinutes(1));
            var out = d.suppressions.readRecordsToList();
            assertThat(out).hasSize(1);
            assertThat(new String(out.get(0).key())).isEqualTo("old@example.org");
            assertThat(out.get(0).value()).isNull();
            assertThat(d.globalSuppression("old@example.org")).isNull();
            assertThat(d.globalSuppression("keep@example.org")).isNotNull();
        }
    }
}

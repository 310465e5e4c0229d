package dev.outflow.reporting.internal;

import static dev.outflow.reporting.internal.Driver.T0;
import static dev.outflow.reporting.internal.Driver.event;
import static dev.outflow.reporting.internal.Driver.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.outflow.avro.Outcome;
import dev.outflow.reporting.Stats;

class StatsTopologyTest {

    @Test
    void countsEachRecipientOutcomePerDomainAndOverallInMinuteAndHourWindows() {
        try (Driver d = new Driver()) {
            d.pipe(event("a", Outcome.DELIVERED, T0.plusSeconds(5), 0,
                    rcpt("x@one.example", 250, null, "250 ok"), rcpt("y@one.example", 250, null, "250 ok")));
            d.pipe(event("b", Outcome.BOUNCED, T0.plusSeconds(30), 0, rcpt("z@two.example", 550, "5.1.1", "550 5.1.1 user unknown")));
            d.pipe(event("c", Outcome.DEFERRED, T0.plusSeconds(61), 1, rcpt("w@one.example", 452, "4.2.2", "452 4.2.2 mailbox full")));
            d.pipe(event("d", Outcome.REJECTED, T0.plusSeconds(62), 0, rcpt("v@two.example", 0, "5.1.3", "bad address")));
            d.pipe(event("e", Outcome.DROPPED, T0.plusSeconds(63), 0, rcpt("u@two.example", 450, null, "450 x")));

            Stats one = d.stats(StoreNames.STATS_1M, "one.example", T0);
            assertThat(one.delivered).isEqualTo(2);
            assertThat(one.deferred).isZero();
            Stats two = d.stats(StoreNames.STATS_1M, "two.example", T0);
            assertThat(two.bounced).isEqualTo(1);
            assertThat(two.bounceClasses).containsEntry("bad-mailbox", 1L);
            Stats all = d.stats(StoreNames.STATS_1M, Stats.ALL, T0);
            assertThat(all.delivered).isEqualTo(2);
            assertThat(all.bounced).isEqualTo(1);

            Stats nextMinute = d.stats(StoreNames.STATS_1M, Stats.ALL, T0.plusSeconds(60));
            assertThat(nextMinute.deferred).isEqualTo(1);
            assertThat(nextMinute.rejected).isEqualTo(1);
            assertThat(nextMinute.dropped).isEqualTo(1);
            assertThat(nextMinute.deferralClasses).containsEntry("mailbox-full", 1L);

            Stats hour = d.stats(StoreNames.STATS_1H, Stats.ALL, T0);
            assertThat(hour.delivered).isEqualTo(2);
            assertThat(hour.bounced).isEqualTo(1);
            assertThat(hour.deferred).isEqualTo(1);
            assertThat(hour.rejected).isEqualTo(1);
            assertThat(hour.dropped).isEqualTo(1);
            assertThat(d.stats(StoreNames.STATS_1H, "one.example", T0).deferred).isEqualTo(1);
        }
    }

    @Test
    void sumsOverDomainsIgnoreTheAllEntriesEarlierVersionsStored() {
        try (Driver d = new Driver()) {
            d.pipe(event("a", Outcome.DELIVERED, T0.plusSeconds(5), 0, rcpt("x@one.example", 250, null, "250 ok")));
            // An older tracker also kept a "*" window next to each domain's; it must not count twice.
            Stats old = new Stats();
            old.add("delivered", null, null, 10);
            d.driver.<String, Stats>getWindowStore(StoreNames.STATS_1M).put(Stats.ALL, old, T0.toEpochMilli());
            assertThat(d.stats(StoreNames.STATS_1M, Stats.ALL, T0).delivered).isEqualTo(1);
            assertThat(d.queries().allDomains(StoreNames.STATS_1M, T0, T0).domains()).containsOnlyKeys("one.example");
        }
    }

    @Test
    void countsAddToWhatTheStoreHoldsWhenTheWindowIsNoLongerKeptAsAnObject() {
        try (Driver d = new Driver(4, 4)) {
            // More distinct domains than the tracker keeps as objects: the first ones are read back from the store.
            int domains = 5;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < domains; i++) {
                    d.pipe(event("m" + round + "-" + i, Outcome.DELIVERED, T0.plusSeconds(5), 0, rcpt("x@d" + i + ".example", 250, null, "250 ok")));
                }
            }
            assertThat(d.stats(StoreNames.STATS_1M, "d0.example", T0).delivered).isEqualTo(2);
            assertThat(d.stats(StoreNames.STATS_1H, "d1.example", T0).delivered).isEqualTo(2);
            assertThat(d.stats(StoreNames.STATS_1M, Stats.ALL, T0).delivered).isEqualTo(2L * domains);
        }
    }

    @Test
    void duplicatesAreNotCountedTwice() {
        try (Driver d = new Driver()) {
            var e = event("a", Outcome.DELIVERED, T0.plusSeconds(5), 0, rcpt("x@one.example", 250, null, "250 ok"));
            d.pipe(e);
            d.pipe(e);
            assertThat(d.stats(StoreNames.STATS_1M, Stats.ALL, T0).delivered).isEqualTo(1);
            assertThat(d.stats(StoreNames.STATS_1H, "one.example", T0).delivered).isEqualTo(1);
        }
    }

    @Test
    void delayPercentilesComeFromTheDeliveredEventsOfTheWindow() {
        try (Driver d = new Driver()) {
            // 100 deliveries with delays 1..100 s (delayMs = at - T0 in the driver's events).
            for (int i = 1; i <= 100; i++) {
                d.pipe(event("m" + i, Outcome.DELIVERED, T0.plusSeconds(i), 0, rcpt("r" + i + "@one.example", 250, null, "250 ok")));
            }
            Stats hour = d.stats(StoreNames.STATS_1H, Stats.ALL, T0);
            Stats.View v = hour.view(Stats.ALL, T0.toEpochMilli(), T0.plus(Duration.ofHours(1)).toEpochMilli());
            // Log buckets are 5 % wide and report their upper bound: never below, at most 5 % above.
            assertThat(v.delayMs().p50()).isBetween(50_000L, 52_500L);
            assertThat(v.delayMs().p95()).isBetween(95_000L, 99_750L);
            assertThat(v.delayMs().p99()).isBetween(99_000L, 103_950L);
        }
    }

    @Test
    void topReasonsGroupRepliesThatDifferOnlyInAddressesAndIds() {
        try (Driver d = new Driver()) {
            for (int i = 0; i < 5; i++) {
                d.pipe(event("u" + i, Outcome.BOUNCED, T0.plusSeconds(i), 0,
                        rcpt("user" + i + "@big.example", 550, "5.1.1", "550 5.1.1 <user" + i + "@big.example>: Recipient address rejected: User unknown (id 83AF29D1C7)")));
            }
            d.pipe(event("s", Outcome.BOUNCED, T0.plusSeconds(9), 0, rcpt("s@big.example", 554, "5.7.1", "554 5.7.1 Message rejected as spam")));
            Stats s = d.stats(StoreNames.STATS_1M, "big.example", T0);
            var top = s.view("big.example", 0, 0).topBounceReasons();
            assertThat(top).hasSize(2);
            assertThat(top.get(0).count()).isEqualTo(5);
            assertThat(top.get(0).reason()).isEqualTo("550 5.1.1 <address>: Recipient address rejected: User unknown (id #)");
            assertThat(top.get(1).reason()).contains("spam");
            assertThat(s.bounceClasses).containsEntry("bad-mailbox", 5L).containsEntry("spam/reputation", 1L);
        }
    }

    @Test
    void domainsListsEveryDomainWithItsSums() {
        try (Driver d = new Driver()) {
            d.pipe(event("a", Outcome.DELIVERED, T0.plusSeconds(5), 0, rcpt("x@one.example", 250, null, "250 ok")));
            d.pipe(event("b", Outcome.DELIVERED, T0.plusSeconds(70), 0, rcpt("x@two.example", 250, null, "250 ok")));
            d.pipe(event("c", Outcome.DELIVERED, T0.plusSeconds(75), 0, rcpt("y@two.example", 250, null, "250 ok")));
            var domains = d.queries().allDomains(StoreNames.STATS_1M, T0, Instant.ofEpochMilli(T0.toEpochMilli() + 120_000)).domains();
            assertThat(domains.keySet()).containsExactly("one.example", "two.example");
            assertThat(domains.get("two.example").delivered).isEqualTo(2);
        }
    }
}

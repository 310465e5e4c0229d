package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DelayBucketsTest {
    private static final DelayBuckets DEFAULT = DelayBuckets.parse(List.of("10s", "1m", "5m", "15m", "1h", "4h"));

    @ParameterizedTest(name = "{0} ms left → {1}")
    @CsvSource({
            // due now or overdue: straight back to outbound
            "-86400000, outbound",
            "-1, outbound",
            "0, outbound",
            // shorter than the smallest bucket: waits in it until exactly notBefore
            "1, 10s",
            "9999, 10s",
            // the largest bucket not longer than what is left
            "10000, 10s",
            "59999, 10s",
            "60000, 1m",
            "299999, 1m",
            "300000, 5m",
            "899999, 5m",
            "900000, 15m",
            "3599999, 15m",
            "3600000, 1h",
            "14399999, 1h",
            "14400000, 4h",
            // longer than every bucket: the largest, then again after it
            "259200000, 4h",
    })
    void routesToTheLargestBucketNotLongerThanWhatIsLeft(long remainingMs, String expected) {
        int bucket = DEFAULT.route(remainingMs);
        assertThat(bucket == DelayBuckets.OUTBOUND ? "outbound" : DEFAULT.name(bucket)).isEqualTo(expected);
    }

    @Test
    void aRecordLeavesItsBucketAfterTheBucketDelayOrAtNotBeforeWhicheverComesFirst() {
        long ts = 1_000_000;
        assertThat(DEFAULT.dueAt(1, ts, ts + 90_000)).isEqualTo(ts + 60_000);
        assertThat(DEFAULT.dueAt(0, ts, ts + 3_000)).isEqualTo(ts + 3_000);
        assertThat(DEFAULT.dueAt(0, ts, 0)).isZero();
        assertThat(DEFAULT.dueAt(5, Long.MAX_VALUE - 5, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void cascadeOfALongDelayEndsAtNotBeforeNeverEarly() {
        // Simulates the scheduler releasing exactly at each due time: every hop is a pure function step.
        for (long delay : new long[] {1, 9_999, 10_000, 61_000, 14_399_999, 100_000_000}) {
            long now = 5_000;
            long notBefore = now + delay;
            int hops = 0;
            int bucket = DEFAULT.route(notBefore - now);
            while (bucket != DelayBuckets.OUTBOUND) {
                now = DEFAULT.dueAt(bucket, now, notBefore);
                bucket = DEFAULT.route(notBefore - now);
                hops++;
            }
            assertThat(now).as("released at notBefore for delay %d", delay).isEqualTo(notBefore);
            // At most (next bucket / bucket) hops per bucket below 4h (6 + 5 + 3 + 4 + 4), plus the 4h ones.
            assertThat(hops).isLessThanOrEqualTo(22 + (int) (delay / 14_400_000));
        }
    }

    @Test
    void compressedTestBucketsRouteTheSameWay() {
        DelayBuckets b = DelayBuckets.parse(List.of("1s", "2s", "5s"));
        assertThat(b.route(500)).isZero();
        assertThat(b.route(1_500)).isZero();
        assertThat(b.route(3_000)).isEqualTo(1);
        assertThat(b.route(7_000)).isEqualTo(2);
        assertThat(b.delayMs(2)).isEqualTo(5_000);
        assertThat(DelayBuckets.parse(List.of("500ms")).route(10_000)).isZero();
    }

    @Test
    void bucketsMustBeAscendingPositiveDurations() {
        assertThatThrownBy(() -> DelayBuckets.parse(List.of())).hasMessageContaining("at least one");
        assertThatThrownBy(() -> DelayBuckets.parse(List.of("1m", "10s"))).hasMessageContaining("ascending");
        assertThatThrownBy(() -> DelayBuckets.parse(List.of("10s", "10s"))).hasMessageContaining("ascending");
        assertThatThrownBy(() -> DelayBuckets.parse(List.of("0s"))).hasMessageContaining("more than 0");
        assertThatThrownBy(() -> DelayBuckets.parse(List.of("soon"))).hasMessageContaining("not a duration");
    }
}

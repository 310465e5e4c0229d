package dev.outflow.core.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateWindowTest {

    @Test
    void neverMoreThanNInAnyWindow() {
        RateWindow w = new RateWindow(3, 60_000);
        assertThat(w.tryTake(0)).isTrue();
        assertThat(w.tryTake(10_000)).isTrue();
        assertThat(w.tryTake(20_000)).isTrue();
        assertThat(w.tryTake(59_999)).isFalse();
        assertThat(w.waitMillis(59_999)).isEqualTo(1);
        // each token comes back one unit after it was spent, not all at once
        assertThat(w.tryTake(60_000)).isTrue();
        assertThat(w.tryTake(60_001)).isFalse();
        assertThat(w.tryTake(70_000)).isTrue();
        assertThat(w.gapMillis()).isEqualTo(20_000);
    }

    @Test
    void aChargeCountsEvenWithoutAToken() {
        RateWindow w = new RateWindow(1, 1000);
        w.charge(500);
        assertThat(w.tryTake(1000)).isFalse();
        assertThat(w.tryTake(1500)).isTrue();
    }
}

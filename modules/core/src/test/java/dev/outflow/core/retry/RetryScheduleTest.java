package dev.outflow.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.config.ValueType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryScheduleTest {

    private static List<Long> seconds(RetrySchedule s) {
        return s.intervals().stream().map(Duration::toSeconds).toList();
    }

    @Test
    void defaultIsHarakasTwoToTheFailuresPlusFiveForTwelveFailures() {
        RetrySchedule s = RetrySchedule.parse("");
        assertThat(seconds(s)).containsExactly(64L, 128L, 256L, 512L, 1024L, 2048L, 4096L, 8192L, 16384L, 32768L, 65536L, 131072L);
        assertThat(s.maxAttempts()).isEqualTo(12);
        assertThat(s.delayAfter(1)).contains(Duration.ofSeconds(64));
        assertThat(s.delayAfter(12)).contains(Duration.ofSeconds(131072)); // ~36 h
        assertThat(s.delayAfter(13)).isEmpty();
        assertThat(s.total()).isEqualTo(Duration.ofSeconds(262080)); // ~72.8 h
        assertThat(RetrySchedule.parse("  \t ")).isEqualTo(s);
        assertThat(RetrySchedule.parse(null)).isEqualTo(s);
        assertThat(RetrySchedule.defaults()).isEqualTo(s);
    }

    @Test
    void delayAfterFollowsHarakaTempFailCounting() {
        // Haraka: num_failures++, bounce if num_failures > length, else intervals[num_failures - 1]
        RetrySchedule s = RetrySchedule.parse("10s, 1m*2");
        assertThat(s.delayAfter(1)).contains(Duration.ofSeconds(10));
        assertThat(s.delayAfter(2)).contains(Duration.ofMinutes(1));
        assertThat(s.delayAfter(3)).contains(Duration.ofMinutes(1));
        assertThat(s.delayAfter(4)).isEmpty();
        assertThat(s.delayAfter(Integer.MAX_VALUE)).isEmpty();
        assertThatThrownBy(() -> s.delayAfter(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noneBouncesOnTheFirstTemporaryFailure() {
        RetrySchedule s = RetrySchedule.parse("none");
        assertThat(s.maxAttempts()).isZero();
        assertThat(s.delayAfter(1)).isEmpty();
        assertThat(RetrySchedule.parse(" NONE ")).isEqualTo(RetrySchedule.none());
        assertThat(s.total()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1m, 5m*2, 1h*3          | 60,300,300,3600,3600,3600",
            "10s,1m*2                | 10,60,60",
            "30s, 1m, 5m, 9m, 15m*3, 30m*2, 1h*3, 2h*3, 1d | 30,60,300,540,900,900,900,1800,1800,3600,3600,3600,7200,7200,7200,86400",
            "1D*2                    | 86400,86400",
            "45                      | 45",
            " 2 m * 3                | 120,120,120",
            "1h*1                    | 3600",
    })
    void parsesHarakaSyntax(String spec, String expected) {
        List<Long> want = java.util.Arrays.stream(expected.split(",")).map(Long::parseLong).toList();
        assertThat(seconds(RetrySchedule.parse(spec))).isEqualTo(want);
    }

    @Test
    void acceptsMillisecondsForTests() {
        assertThat(RetrySchedule.parse("500ms*2").intervals()).containsExactly(Duration.ofMillis(500), Duration.ofMillis(500));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "5x                | item 1 '5x': '5x' is not a duration",
            "1m, 5x            | item 2 '5x': '5x' is not a duration",
            "1m*0              | item 1 '1m*0': count must be at least 1",
            "*3                | item 1 '*3': missing duration before '*'",
            "-1m               | item 1 '-1m': negative duration '-1m'",
            "1m*-2             | item 1 '1m*-2': count must be at least 1",
            "1m*               | item 1 '1m*': missing count after '*'",
            "1m*2*3            | item 1 '1m*2*3': more than one '*'",
            "1m*x              | item 1 '1m*x': count 'x' is not a whole number",
            "1m,,5m            | item 2 '': empty item (stray comma?)",
            "1m,               | item 2 '': empty item (stray comma?)",
            "0s                | item 1 '0s': delay must be more than 0",
            "m                 | item 1 'm': 'm' is not a duration",
            "none,1m           | item 1 'none': 'none' is not a duration",
            "1m*99999999999    | item 1 '1m*99999999999': count '99999999999' is too large",
            "1s*10001          | item 1 '1s*10001': more than 10000 retries in total",
            "99999999999999999d | item 1 '99999999999999999d': '99999999999999999d' is too large",
    })
    void rejectsBadItemsNamingThem(String spec, String message) {
        assertThatThrownBy(() -> RetrySchedule.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("temp_fail_intervals " + message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"500ms", "30s", "5m", "1h", "1d", "45", "7 m", "2H"})
    void durationGrammarMatchesTheConfigTable(String d) {
        assertThat(RetrySchedule.parse(d).intervals()).containsExactly(ValueType.parseDuration(d));
    }

    @Test
    void configLoadRejectsABadValueNamingTheKeyAndItem() {
        assertThatThrownBy(() -> Config.of(java.util.Map.of("outbound.temp_fail_intervals", "1m, 5x*2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("outbound.temp_fail_intervals")
                .hasMessageContaining("item 2 '5x*2'");
        Config ok = Config.of(java.util.Map.of("outbound.temp_fail_intervals", "1m, 5m*2"));
        assertThat(RetrySchedule.parse(ok.get(OutflowKeys.TEMP_FAIL_INTERVALS)).maxAttempts()).isEqualTo(3);
        assertThat(RetrySchedule.parse(Config.defaults().get(OutflowKeys.TEMP_FAIL_INTERVALS))).isEqualTo(RetrySchedule.defaults());
    }

    @Test
    void followingReparsesOnlyWhenTheSpecChangesAndKeepsTheLastGoodOne() {
        AtomicReference<String> spec = new AtomicReference<>("1m");
        Supplier<RetrySchedule> s = RetrySchedule.following(spec::get);
        RetrySchedule first = s.get();
        assertThat(first.intervals()).containsExactly(Duration.ofMinutes(1));
        assertThat(s.get()).isSameAs(first);
        spec.set("none");
        assertThat(s.get().maxAttempts()).isZero();
        spec.set("5x");
        assertThat(s.get().maxAttempts()).isZero();
        spec.set("");
        assertThat(s.get()).isEqualTo(RetrySchedule.defaults());
    }

    @Test
    void toStringShowsTheParsedSpec() {
        assertThat(RetrySchedule.parse("1m, 5m*2")).hasToString("1m, 5m*2");
        assertThat(RetrySchedule.parse("")).hasToString("default");
    }
}

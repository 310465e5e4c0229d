package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShaperTest {
    private final MutableClock clock = new MutableClock();

    private Shaper shaper(Path rules, String... more) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("shaping.rules", rules.toString()));
        for (int i = 0; i < more.length; i += 2) m.put(more[i], more[i + 1]);
        return Shaper.fromConfig(Config.of(m), clock, null);
    }

    @Test
    void aBadFileAtStartIsAConfigErrorNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "# ok\ngmail.com connections=2\nyahoo.com conections=2\n");
        assertThatThrownBy(() -> shaper(rules)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("shaping.rules").hasMessageContaining(rules + ":3: unknown setting 'conections'");
        assertThatThrownBy(() -> shaper(dir.resolve("missing.rules"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing.rules: cannot read");
    }

    @Test
    void aBadFileOnReloadKeepsTheRulesInForce(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "a.test connections=2\n");
        Shaper s = shaper(rules);
        Files.writeString(rules, "a.test connections=two\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            s.reloadIfChanged();
            return s.badReloads() == 1;
        });
        assertThat(s.maxConnections(s.keyOf("a.test"), 10)).isEqualTo(2);
        Files.writeString(rules, "a.test connections=5\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            s.reloadIfChanged();
            return s.reloads() == 1;
        });
        assertThat(s.maxConnections(s.keyOf("a.test"), 10)).isEqualTo(5);
    }

    @Test
    void throttlingRepliesInARowSuspendAndASuccessResetsTheCount(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "a.test backoff=5m backoff_after=2\n");
        Shaper s = shaper(rules);
        String key = s.keyOf("a.test");
        s.observe("a.test", key, result(421, "4.7.0"));
        s.observe("a.test", key, result(250, "2.0.0"));
        s.observe("a.test", key, result(451, "4.7.650"));
        assertThat(s.suspendedUntil(key)).isNull();
        s.observe("a.test", key, result(450, "4.2.1")); // not throttling: neither counts nor resets
        s.observe("a.test", key, result(421, "4.4.2"));
        assertThat(s.suspendedUntil(key)).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
        assertThat(s.tryStart(key, true)).isFalse();
        assertThat(s.suspendedNow()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        assertThat(s.suspendedUntil(key)).isNull();
        assertThat(s.tryStart(key, true)).isTrue();
    }

    @Test
    void aShardedDomainGetsItsShareOfTheRate(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "a.test rate=6/m connections=9\n");
        Shaper s = shaper(rules, "outbound.domain_shards", "a.test:3");
        String key = s.keyOf("a.test");
        assertThat(s.maxConnections(key, 10)).isEqualTo(3);
        assertThat(s.tryStart(key, true)).isTrue();
        assertThat(s.tryStart(key, true)).isTrue();
        assertThat(s.tryStart(key, true)).isFalse();
        assertThat(s.held()).isEqualTo(1);
    }

    private static DeliveryResult result(int code, String enhanced) {
        return DeliveryResult.all(List.of("u@a.test"), code, enhanced, "reply");
    }
}

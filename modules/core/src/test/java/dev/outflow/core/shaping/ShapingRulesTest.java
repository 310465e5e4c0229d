package dev.outflow.core.shaping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShapingRulesTest {

    @Test
    void defaultsShareOneRulePerProviderByMxSuffix() {
        ShapingRules r = ShapingRules.defaults();
        ShapingRule gmail = r.find("gmail.com", "gmail-smtp-in.l.google.com");
        ShapingRule workspace = r.find("example.org", "ASPMX.L.GOOGLE.COM.");
        assertThat(gmail).isNotNull().isSameAs(workspace);
        assertThat(gmail.match()).isEqualTo("*.google.com");
        assertThat(gmail.backoffAfter()).isEqualTo(3);
        assertThat(r.find("hotmail.com", "hotmail-com.olc.protection.outlook.com").match()).isEqualTo("*.protection.outlook.com");
        assertThat(r.find("yahoo.com", "mta5.am0.yahoodns.net").match()).isEqualTo("*.yahoodns.net");
        assertThat(r.find("example.net", "mx.example.net")).isNull();
        assertThat(r.find("gmail.com", null)).isNull(); // MX not learned yet
        assertThat(r.find("notgoogle.com", "mx.notgoogle.com")).isNull();
    }

    @Test
    void fileOverridesDefaultsAndDomainRuleWinsOverSuffix() throws Exception {
        ShapingRules r = ShapingRules.of("rules", """
                # comment
                *.google.com   connections=2 rate=100/m rate=1000/h   # replaces the default
                gmail.com      connections=4 per_connection=7 rate=5/10s backoff=2m
                *.yahoodns.net
                *.l.google.com connections=1
                """);
        ShapingRule gmail = r.find("gmail.com", "gmail-smtp-in.l.google.com");
        assertThat(gmail.match()).isEqualTo("gmail.com");
        assertThat(gmail.maxConnections()).isEqualTo(4);
        assertThat(gmail.maxPerConnection()).isEqualTo(7);
        assertThat(gmail.rates()).containsExactly(new ShapingRule.Rate(5, Duration.ofSeconds(10)));
        assertThat(gmail.backoff()).isEqualTo(Duration.ofMinutes(2));
        assertThat(gmail.backoffAfter()).isEqualTo(3); // implied by backoff=
        // the longest suffix wins
        assertThat(r.find("example.org", "aspmx.l.google.com").match()).isEqualTo("*.l.google.com");
        ShapingRule google = r.find("example.org", "alt1.google.com");
        assertThat(google.rates()).containsExactly(new ShapingRule.Rate(100, Duration.ofMinutes(1)),
                new ShapingRule.Rate(1000, Duration.ofHours(1)));
        assertThat(google.backoffAfter()).isZero(); // no backoff= : no automatic back-off
        // a bare match removes the default
        assertThat(r.find("yahoo.com", "mta5.am0.yahoodns.net")).isNull();
        assertThat(r.find("hotmail.com", "x.protection.outlook.com")).isNotNull();
    }

    @Test
    void badLinesNameTheFileAndLine() {
        assertThatThrownBy(() -> ShapingRules.of("/etc/outflow/shaping.rules", "gmail.com connections=2\n\nyahoo.com rate=ten/m\n"))
                .isInstanceOf(ShapingRulesException.class)
                .hasMessageStartingWith("/etc/outflow/shaping.rules:3: ")
                .hasMessageContaining("rate");
        for (String bad : List.of("gmail.com speed=3", "gmail.com connections=-1", "gmail.com backoff=0s", "gmail.com rate=3",
                "*.*.com connections=1", "gmail.com connections", "a.com connections=1\na.com connections=2", "x..com rate=1/m")) {
            assertThatThrownBy(() -> ShapingRules.of("f", bad)).as(bad).isInstanceOf(ShapingRulesException.class)
                    .hasMessageStartingWith("f:");
        }
    }

    @Test
    void dividedSharesALimitBetweenShards() {
        ShapingRule r = new ShapingRule("gmail.com", 10, 50, List.of(new ShapingRule.Rate(600, Duration.ofMinutes(1)),
                new ShapingRule.Rate(3, Duration.ofHours(1))), Duration.ofMinutes(5), 3);
        ShapingRule quarter = r.divided(4);
        assertThat(quarter.maxConnections()).isEqualTo(2);
        assertThat(quarter.maxPerConnection()).isEqualTo(50);
        assertThat(quarter.rates()).containsExactly(new ShapingRule.Rate(150, Duration.ofMinutes(1)),
                new ShapingRule.Rate(1, Duration.ofHours(1)));
        assertThat(r.divided(1)).isSameAs(r);
    }
}

package dev.outflow.codec.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TopicsTest {
    @Test
    void namesEveryTopicUnderThePrefix() {
        Topics t = Topics.defaults();
        assertThat(t.submissions()).isEqualTo("outflow.submissions");
        assertThat(t.outbound()).isEqualTo("outflow.outbound");
        assertThat(t.delivered()).isEqualTo("outflow.delivered");
        assertThat(t.bounced()).isEqualTo("outflow.bounced");
        assertThat(t.deferred()).isEqualTo("outflow.deferred");
        assertThat(t.dlq()).isEqualTo("outflow.dlq");
        assertThat(t.control()).isEqualTo("outflow.control");
        assertThat(t.delayTopics()).containsExactly("outflow.delay.10s", "outflow.delay.1m", "outflow.delay.5m",
                "outflow.delay.15m", "outflow.delay.1h", "outflow.delay.4h");
        assertThat(new Topics("acme-", List.of("30s")).all()).containsExactly("acme-submissions", "acme-outbound",
                "acme-delivered", "acme-bounced", "acme-deferred", "acme-delay.30s", "acme-dlq", "acme-webhooks.dlq", "acme-control",
                "acme-suppressions");
    }

    @Test
    void specsCarryPartitionsReplicationAndConfigs() {
        List<TopicSpec> specs = Topics.defaults().specs(12, 6, 3, 10 * 1024 * 1024);
        assertThat(specs).hasSize(15);
        Map<String, TopicSpec> byName = specs.stream().collect(java.util.stream.Collectors.toMap(TopicSpec::name, s -> s));
        assertThat(byName.get("outflow.outbound").partitions()).isEqualTo(12);
        assertThat(byName.get("outflow.delay.1h").partitions()).isEqualTo(6);
        assertThat(byName.get("outflow.control").partitions()).isEqualTo(1);
        assertThat(byName.get("outflow.suppressions").partitions()).isEqualTo(1);
        assertThat(byName.get("outflow.suppressions").configs()).containsEntry("cleanup.policy", "compact,delete");
        assertThat(byName.get("outflow.control").configs()).containsEntry("cleanup.policy", "compact,delete").containsEntry("retention.ms", "-1");
        assertThat(byName.get("outflow.outbound").configs()).doesNotContainKey("cleanup.policy")
                .containsEntry("compression.type", "zstd")
                .containsEntry("max.message.bytes", String.valueOf(11 * 1024 * 1024));
        assertThat(specs).allMatch(s -> s.replicationFactor() == 3);
    }

    @Test
    void rejectsIllegalNames() {
        assertThatThrownBy(() -> new Topics("out flow.", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Topics("outflow.", List.of("1 m"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TopicSpec("t", 0, 1, Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TopicSpec("t", 1, 0, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}

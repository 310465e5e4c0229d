package dev.outflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.testkit.kafka.KafkaTestCluster;

/** Wiring from configuration, and the failures an operator sees at start. */
class RetrySchedulerSetupTest {

    @Test
    void fromConfigTakesPrefixAndBucketsFromTheConfiguration() {
        Config config = Config.of(Map.of("topic.prefix", "acme.", "scheduler.buckets", "5s, 1m ,1h"));
        RetryScheduler s = RetryScheduler.fromConfig(config, Map.of("bootstrap.servers", "127.0.0.1:1"));
        assertThat(s.buckets().names()).containsExactly("5s", "1m", "1h");
        assertThat(s.buckets().delayMs(1)).isEqualTo(60_000);
        assertThat(s.stats().released()).isZero();
        s.close();
    }

    @Test
    void bucketsOutOfOrderFailNamingTheKey() {
        Config config = Config.of(Map.of("scheduler.buckets", "1m,10s"));
        assertThatThrownBy(() -> RetryScheduler.fromConfig(config, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("scheduler.buckets")
                .hasMessageContaining("ascending");
    }

    @Test
    void startFailsNamingMissingTopics() {
        KafkaTestCluster kafka = KafkaTestCluster.get();
        Topics topics = new Topics(kafka.uniqueName("none") + ".", List.of("1s"));
        try (RetryScheduler s = RetryScheduler.builder(Map.of("bootstrap.servers", kafka.bootstrapServers()), Config.defaults())
                .topics(topics).build()) {
            assertThatThrownBy(s::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(topics.deferred())
                    .hasMessageContaining(topics.delay("1s"))
                    .hasMessageContaining("outflow topics create");
        }
    }

    @Test
    void clientSettingsForceWhatTheGuaranteesNeedAndKeepTheRest() {
        SchedulerProps props = new SchedulerProps(Map.of("bootstrap.servers", "b:9092", "max.poll.records", "5000",
                "security.protocol", "SSL", "linger.ms", "20"), "outflow.scheduler", "host-1", 11 << 20);
        Map<String, Object> c = props.consumer();
        assertThat(c).containsEntry("group.id", "outflow.scheduler")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false)
                .containsEntry("auto.offset.reset", "earliest")
                .containsEntry("max.poll.records", 1000)
                .containsEntry("security.protocol", "SSL")
                .containsKey("partition.assignment.strategy");
        Map<String, Object> p = props.producer();
        assertThat(p).containsEntry("transactional.id", "outflow.scheduler-host-1")
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true)
                .containsEntry("linger.ms", "20")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("max.request.size", 11 << 20);

        SchedulerProps newProtocol = new SchedulerProps(Map.of("group.protocol", "consumer"), "g", "i", 1 << 20);
        assertThat(newProtocol.consumer()).doesNotContainKey("partition.assignment.strategy");
        assertThat(new SchedulerProps(Map.of("max.poll.records", "200"), "g", "i", 1).consumer())
                .containsEntry("max.poll.records", 200);
    }
}

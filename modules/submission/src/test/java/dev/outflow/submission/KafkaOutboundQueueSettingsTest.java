package dev.outflow.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SMTP listener's producer settings: durability is not negotiable, tuning is. */
class KafkaOutboundQueueSettingsTest {

    @Test
    void producerSettingsKeepDurabilityWhateverTheOverrides() {
        Config config = Config.of(Map.of("kafka.bootstrap.servers", "127.0.0.1:9", "kafka.client.acks", "1",
                "kafka.client.enable.idempotence", "false", "kafka.client.linger.ms", "20", "outbound.max_message_bytes", "20m"));

        var p = KafkaOutboundQueue.producerProperties(config);

        assertThat(p.getProperty("acks")).isEqualTo("all");
        assertThat(p.getProperty("enable.idempotence")).isEqualTo("true");
        assertThat(p.getProperty("linger.ms")).isEqualTo("20");
        assertThat(Long.parseLong(p.getProperty("max.request.size"))).isGreaterThan(20L << 20);
        assertThat(p.getProperty("delivery.timeout.ms")).isEqualTo("30000");
    }

    @Test
    void missingBootstrapIsAConfigError() {
        assertThatThrownBy(() -> KafkaOutboundQueue.producerProperties(Config.defaults()))
                .isInstanceOf(dev.outflow.core.config.ConfigException.class)
                .hasMessageContaining("kafka.bootstrap.servers");
    }
}

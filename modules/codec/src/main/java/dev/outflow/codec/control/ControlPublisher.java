package dev.outflow.codec.control;

import dev.outflow.avro.Command;
import dev.outflow.avro.ControlCommand;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes operator commands (flush, pause, resume) to the control topic and waits for the broker's
 * acknowledgement, so a command the CLI reported as sent is durable. Keyed by command name: the
 * topic is compacted and keeps the latest of each.
 */
public final class ControlPublisher {
    private ControlPublisher() {}

    /**
     * Publishes one command.
     *
     * @param clientProps Kafka client settings (bootstrap servers and pass-through keys)
     * @return the command as written
     * @throws IllegalStateException when the broker does not acknowledge within 30 s
     */
    public static ControlCommand publish(Map<String, Object> clientProps, String topic, Serializer<ControlCommand> serializer,
                                         Command command, String issuedBy) {
        ControlCommand cmd = ControlCommand.newBuilder()
                .setCommand(command)
                .setId(UUID.randomUUID().toString())
                .setIssuedAt(System.currentTimeMillis())
                .setIssuedBy(issuedBy)
                .build();
        Map<String, Object> p = new HashMap<>(clientProps);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            byte[] value = serializer.serialize(topic, cmd);
            producer.send(new ProducerRecord<>(topic, command.name(), value)).get(30, TimeUnit.SECONDS);
            return cmd;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("control command " + command + " not acknowledged by Kafka: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + command, e);
        }
    }
}

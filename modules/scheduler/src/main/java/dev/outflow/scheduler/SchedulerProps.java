package dev.outflow.scheduler;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;

import dev.outflow.scheduler.internal.SchedulerLoop;
import dev.outflow.stage.StageClients;

/**
 * The Kafka client settings of one scheduler instance: the shared stage settings
 * ({@link StageClients}) plus the scheduler's own limits. Settings the scheduler's guarantees depend on are forced (group, transactions,
 * {@code read_committed}, no auto-commit, at most {@value SchedulerLoop#MAX_POLL_RECORDS} records
 * per poll); tuning defaults are used only when the pass-through properties do not set them.
 */
record SchedulerProps(Map<String, Object> clientProps, String groupId, String instanceId, long maxRecordBytes) {

    String transactionalId() {
        return groupId + "-" + instanceId;
    }

    Map<String, Object> consumer() {
        Map<String, Object> p = StageClients.consumer(clientProps, groupId, clientId());
        // A new group must not skip records already waiting.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int maxPoll = SchedulerLoop.MAX_POLL_RECORDS;
        Object given = clientProps.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        if (given != null) {
            maxPoll = Math.min(maxPoll, Integer.parseInt(given.toString().trim()));
        }
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPoll);
        // A resumed partition's next record must not wait behind a long fetch of the others.
        p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        return p;
    }

    /** The transactional producer; linger 5 ms: a released record's lateness counts, not its batch's size. */
    Map<String, Object> producer() {
        return StageClients.transactionalProducer(clientProps, transactionalId(), clientId(), 5, maxRecordBytes);
    }

    private String clientId() {
        return "outflow-scheduler-" + instanceId;
    }
}

package dev.outflow.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** When records are committed one by one, which record is the culprit, and what becomes of it. */
class IsolationTest {
    private static final TopicPartition TP = new TopicPartition("subs", 2);
    private final Isolation isolation = new Isolation();

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>("subs", 2, offset, null, new byte[0]);
    }

    private static KafkaException refused() {
        return new KafkaException("Cannot execute transactional method", new RecordTooLargeException("too large"));
    }

    @Test
    void transientFailuresIsolateOnlyAfterThreeInARowAndNeverMarkARecord() {
        isolation.failed(1, Map.of(TP, 10L), 5, new TimeoutException("slow"));
        isolation.failed(2, Map.of(TP, 10L), 5, new TimeoutException("slow"));
        assertThat(isolation.active()).isFalse();
        isolation.failed(3, Map.of(TP, 10L), 5, new TimeoutException("slow"));
        assertThat(isolation.active()).isTrue();
        isolation.failed(4, Map.of(TP, 10L), 1, new TimeoutException("broker down"));
        assertThat(isolation.remedy(record(10))).isEqualTo(Isolation.Remedy.NONE);
        isolation.committed(5);
        assertThat(isolation.active()).isFalse();
    }

    @Test
    void aRecordLevelErrorIsolatesAtOnceAndTheLoneRecordIsTheCulprit() {
        isolation.failed(1, Map.of(TP, 10L, new TopicPartition("subs", 0), 3L), 7, refused());
        assertThat(isolation.active()).isTrue();
        assertThat(isolation.remedy(record(10))).isEqualTo(Isolation.Remedy.NONE);
        isolation.committed(1);
        isolation.failed(2, Map.of(TP, 11L), 1, refused());
        assertThat(isolation.remedy(record(11))).isEqualTo(Isolation.Remedy.REJECT);
        assertThat(isolation.remedy(record(12))).isEqualTo(Isolation.Remedy.NONE);
        assertThat(isolation.error()).isInstanceOf(RecordTooLargeException.class);
        // The rejection (with its DLQ copy) is refused too: then without the copy, then skipped.
        isolation.failed(3, Map.of(TP, 11L), 1, refused());
        assertThat(isolation.remedy(record(11))).isEqualTo(Isolation.Remedy.REJECT_WITHOUT_COPY);
        isolation.failed(4, Map.of(TP, 11L), 1, refused());
        assertThat(isolation.remedy(record(11))).isEqualTo(Isolation.Remedy.SKIP);
        isolation.resolved();
        assertThat(isolation.active()).isFalse();
        assertThat(isolation.remedy(record(11))).isEqualTo(Isolation.Remedy.NONE);
    }
}

package dev.outflow.submission.router.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.codec.DlqRecords;
import dev.outflow.core.retry.RetrySchedule;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Topic names, retry records and how a record's retry headers are read back, damaged ones included. */
class RetryTopicsTest {
    private static final String SUBMISSIONS = "p.submissions";
    private final RetrySchedule schedule = RetrySchedule.parse("90s, 2m, 1h*2, 1500ms");
    private final RetryTopics topics = new RetryTopics("p.", schedule, Map.of(
            "p.router.retry.90s", 3, "p.router.retry.2m", 3, "p.router.retry.1h", 2, "p.router.retry.1500ms", 3));

    @Test
    void oneTopicPerDistinctDelayNamedByItsLargestExactUnit() {
        assertThat(RetryTopics.topics("p.", schedule)).containsExactly(
                "p.router.retry.90s", "p.router.retry.2m", "p.router.retry.1h", "p.router.retry.1500ms");
        assertThat(RetryTopics.topic("p.", Duration.ofDays(2))).isEqualTo("p.router.retry.2d");
        assertThat(RetryTopics.specs("p.", schedule, 6, -1, 1 << 20)).allSatisfy(s -> {
            assertThat(s.partitions()).isEqualTo(6);
            assertThat(Long.parseLong(s.configs().get("retention.ms"))).isGreaterThanOrEqualTo(Duration.ofDays(7).toMillis());
        });
        assertThat(RetryTopics.topics("p.", RetrySchedule.none())).isEmpty();
    }

    @Test
    void aSubmissionRefusedTwiceWaitsOnTheSecondDelaysTopicWithItsHistory() {
        ConsumerRecord<byte[], byte[]> submission = record(SUBMISSIONS, 1, 41, new RecordHeaders().add("trace", "t1".getBytes(UTF_8)));
        RetryTopics.RetryState fresh = topics.state(submission, 1_000);
        assertThat(fresh.attempts()).isZero();
        assertThat(topics.dueAt(submission)).isZero();

        ProducerRecord<byte[], byte[]> first = topics.retry(submission, fresh, "451 4.7.1 busy", 1_000).orElseThrow();
        assertThat(first.topic()).isEqualTo("p.router.retry.90s");
        assertThat(first.partition()).isEqualTo(1);
        assertThat(first.value()).isEqualTo(submission.value());

        ConsumerRecord<byte[], byte[]> waiting = record(first.topic(), 1, 7, first.headers());
        assertThat(topics.dueAt(waiting)).isEqualTo(91_000);
        RetryTopics.RetryState again = topics.state(waiting, 91_000);
        assertThat(again).isEqualTo(new RetryTopics.RetryState(1, 1_000, SUBMISSIONS, 1, 41));

        ProducerRecord<byte[], byte[]> second = topics.retry(waiting, again, "451 4.7.1 still busy", 91_000).orElseThrow();
        ConsumerRecord<byte[], byte[]> waiting2 = record(second.topic(), 1, 3, second.headers());
        assertThat(second.topic()).isEqualTo("p.router.retry.2m");
        assertThat(topics.dueAt(waiting2)).isEqualTo(211_000);
        assertThat(topics.state(waiting2, 0)).isEqualTo(new RetryTopics.RetryState(2, 1_000, SUBMISSIONS, 1, 41));
        // Bookkeeping is replaced, not repeated; the producer's own header stays.
        assertThat(second.headers().headers(RetryTopics.ATTEMPTS)).hasSize(1);
        assertThat(second.headers().headers(DlqRecords.SOURCE_OFFSET)).hasSize(1);
        assertThat(new String(second.headers().lastHeader("trace").value(), UTF_8)).isEqualTo("t1");
        assertThat(RetryTopics.withoutRetryHeaders(second.headers())).extracting(h -> h.key()).containsExactly("trace");
    }

    @Test
    void theScheduleEndsAndTheOneHourTopicWrapsPartitions() {
        ConsumerRecord<byte[], byte[]> r = record("p.router.retry.2m", 2, 0, new RecordHeaders());
        Optional<ProducerRecord<byte[], byte[]>> third = topics.retry(r, new RetryTopics.RetryState(2, 0, SUBMISSIONS, 2, 5), "x", 0);
        assertThat(third.orElseThrow().topic()).isEqualTo("p.router.retry.1h");
        assertThat(third.orElseThrow().partition()).isZero();
        assertThat(topics.retry(r, new RetryTopics.RetryState(5, 0, SUBMISSIONS, 2, 5), "x", 0)).isEmpty();
    }

    @Test
    void damagedHeadersMakeTheRecordDueNowAndItsLastTry() {
        RecordHeaders h = new RecordHeaders();
        h.add(RetryTopics.DUE, "soon".getBytes(UTF_8)).add(RetryTopics.ATTEMPTS, "x".getBytes(UTF_8));
        ConsumerRecord<byte[], byte[]> r = record("p.router.retry.90s", 0, 12, h);
        assertThat(topics.dueAt(r)).isZero();
        RetryTopics.RetryState s = topics.state(r, 500);
        assertThat(s.attempts()).isEqualTo(schedule.maxAttempts());
        assertThat(s.topic()).isEqualTo("p.router.retry.90s");
        assertThat(topics.retry(r, s, "x", 500)).isEmpty();
        // A record of the submissions topic has no history, whatever its headers claim.
        assertThat(topics.state(record(SUBMISSIONS, 0, 1, new RecordHeaders().add(RetryTopics.ATTEMPTS, "3".getBytes(UTF_8))), 0)
                .attempts()).isZero();
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset, Iterable<org.apache.kafka.common.header.Header> headers) {
        RecordHeaders h = new RecordHeaders();
        for (var x : headers) h.add(x);
        return new ConsumerRecord<>(topic, partition, offset, 0L, TimestampType.CREATE_TIME, 3, 5, "key".getBytes(UTF_8),
                "value".getBytes(UTF_8), h, Optional.empty());
    }
}

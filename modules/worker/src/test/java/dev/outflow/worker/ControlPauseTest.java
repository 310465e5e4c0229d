package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.Command;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.control.ControlPublisher;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** PAUSE and RESUME on the control topic stop and restart delivery of a running worker. */
class ControlPauseTest {

    @Test
    void pausesAndResumesOnControlRecords() {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.7").start(); WorkerHarness h = new WorkerHarness(2)) {
            h.mx.route("c.test", mx);
            DeliveryWorker worker = h.startWorker("control");
            h.submit(WorkerHarness.message("before@c.test"));
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 1);

            ControlPublisher.publish(h.kafkaProps(), h.topics.control(), Serdes.controlCommand(), Command.PAUSE, "test");
            await().atMost(Duration.ofSeconds(10)).until(worker::isPaused);
            for (int i = 0; i < 3; i++) h.submit(WorkerHarness.message("during" + i + "@c.test"));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> mx.received().size() == 1 && worker.delivered() == 1);

            ControlPublisher.publish(h.kafkaProps(), h.topics.control(), Serdes.controlCommand(), Command.RESUME, "test");
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.delivered() == 4);
            assertThat(worker.isPaused()).isFalse();
            assertThat(mx.received()).hasSize(4);
        }
    }
}

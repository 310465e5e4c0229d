package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.testkit.smtp.Action;
import dev.outflow.testkit.smtp.Command;
import dev.outflow.testkit.smtp.FakeMx;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Closing a worker while deliveries are in flight lets them finish, publishes their events and
 * commits their offsets before it returns, within the shutdown timeout.
 */
class GracefulShutdownTest {

    @Test
    void closeFinishesInFlightDeliveriesAndCommits() throws Exception {
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.13").on(Command.END_OF_DATA, Action.delayed(Duration.ofSeconds(1))).start();
             WorkerHarness h = new WorkerHarness(2)) {
            h.mx.route("g.test", mx);
            DeliveryWorker worker = h.startWorker("graceful");
            for (int i = 0; i < 5; i++) h.submit(WorkerHarness.message("r" + i + "@g.test"));
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.inFlight() == 5);

            long start = System.nanoTime();
            worker.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

            assertThat(worker.delivered()).isEqualTo(5);
            assertThat(worker.inFlight()).isZero();
            assertThat(worker.isRunning()).isFalse();
            assertThat(worker.failure()).isEmpty();
            assertThat(h.events(h.topics.delivered())).extracting(DeliveryEvent::getMessageId).hasSize(5).doesNotHaveDuplicates();
            assertThat(mx.received()).hasSize(5);
            assertThat(h.lag()).isZero();
        }
    }
}

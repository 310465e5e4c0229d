package dev.outflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.testkit.smtp.FakeMx;
import dev.outflow.testkit.smtp.ReceivedMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code per_connection=2} for an MX suffix: the pooled connection to that MX is closed after two
 * messages, so the MX sees a new connection for every two, while another MX (no rule) keeps
 * receiving over one reused connection.
 */
class ShapingPerConnectionTest {

    @Test
    void theMxSeesANewConnectionEveryTwoMessages(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("shaping.rules");
        Files.writeString(rules, "*.pc.test  connections=1 per_connection=2\nplain.test connections=1\n");
        try (FakeMx limited = FakeMx.builder().bind("127.0.0.24").start();
             FakeMx plain = FakeMx.builder().bind("127.0.0.25").start();
             WorkerHarness h = new WorkerHarness(1, "shaping.rules", rules.toString(), "outbound.pool_idle", "30s")) {
            h.mx.route("pc.test", limited, "mx.pc.test").route("plain.test", plain);
            List<OutboundMessage> sent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                sent.add(WorkerHarness.message("u" + i + "@pc.test"));
                sent.add(WorkerHarness.message("u" + i + "@plain.test"));
            }
            h.sendAll(0, sent);
            DeliveryWorker worker = h.startWorker("perconn");
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.delivered() == 12);

            Map<Integer, Long> perConnection = limited.received().stream()
                    .collect(Collectors.groupingBy(ReceivedMessage::connection, Collectors.counting()));
            assertThat(perConnection.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
            assertThat(limited.connections()).isGreaterThanOrEqualTo(3);
            assertThat(plain.received().stream().map(ReceivedMessage::connection).distinct()).hasSize(1);
        }
    }
}

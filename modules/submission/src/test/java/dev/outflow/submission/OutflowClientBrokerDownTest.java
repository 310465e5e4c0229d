package dev.outflow.submission;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** OutflowClient without a broker: the future fails with a clear error naming the submissions topic. */
class OutflowClientBrokerDownTest {
    private static final byte[] MSG = "From: a@sender.test\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(UTF_8);

    @Test
    void brokerDownFailsTheFutureWithAClearError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("me", "outflow.test");
        settings.put("kafka.bootstrap.servers", "127.0.0.1:" + closedPort);
        settings.put("smtpd.queue_timeout", "2s");
        settings.put("kafka.client.reconnect.backoff.max.ms", "200");
        try (OutflowClient client = OutflowClient.connect(Config.of(settings))) {
            var future = client.sendEmail("a@sender.test", List.of("x@one.test"), MSG);

            assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(QueueException.class)
                    .hasMessageContaining("not acknowledged by Kafka on outflow.submissions")
                    .hasRootCauseInstanceOf(TimeoutException.class);
        }
    }
}

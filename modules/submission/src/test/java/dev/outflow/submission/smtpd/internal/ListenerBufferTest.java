package dev.outflow.submission.smtpd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.smtp.Watchdog;
import dev.outflow.submission.FakeOutboundQueue;
import dev.outflow.submission.smtpd.RelayNetworks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * After a large message the session gives its buffer back: a connection that stays open and idle
 * holds a few kilobytes, not the megabytes of its last message.
 */
class ListenerBufferTest {
    private static final int MESSAGE_BYTES = 9 << 20;

    @Test
    void theBufferShrinksAsSoonAsALargeMessageIsQueued() throws Exception {
        Config config = Config.of(Map.of("me", "outflow.test"));
        Intake intake = new Intake(config, PluginChain.empty());
        FakeOutboundQueue queue = new FakeOutboundQueue();
        SmtpdSettings settings = new SmtpdSettings("outflow.test", intake.maxMessageBytes(), 10, Duration.ofMinutes(1), Duration.ofSeconds(5),
                true, RelayNetworks.parse(List.of("127.0.0.1")), PasswordChecks.forFile(null, 1),
                new ClientLimits(0, 0, 10, Duration.ofMinutes(1), RelayNetworks.parse(List.of()), Clock.systemUTC()),
                100, Duration.ofHours(1), null, Duration.ofSeconds(1), Clock.systemUTC());
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Watchdog watchdog = new Watchdog("smtpd-watchdog", Duration.ofSeconds(1));
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            CompletableFuture<SmtpSession> session = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    SmtpSession s = new SmtpSession(settings, intake, queue, watchdog, server.accept());
                    session.complete(s);
                    s.run();
                } catch (Exception e) {
                    session.completeExceptionally(e);
                }
            });
            client.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = client.getOutputStream();
            assertThat(in.readLine()).startsWith("220");
            out.write("HELO client.test\r\nMAIL FROM:<s@sender.test>\r\nRCPT TO:<r@one.test>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 4; i++) in.readLine();
            byte[] line = ("x".repeat(998) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            out.write("Subject: large\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int sent = 0; sent < MESSAGE_BYTES; sent += line.length) out.write(line);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(in.readLine()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(queue.queued().get(0).parts().get(0).delivery().contents().length).isGreaterThan(MESSAGE_BYTES);
            SmtpSession s = session.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> s.bufferCapacity() <= 64 << 10);

            out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.readLine()).as("the connection is still open and idle").startsWith("250");
        }
    }
}

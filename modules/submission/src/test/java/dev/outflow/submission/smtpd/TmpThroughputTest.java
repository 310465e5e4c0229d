package dev.outflow.submission.smtpd;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TmpThroughputTest {
    @TempDir
    Path dir;

    @Test
    void run() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.1"))) {
            for (int round = 0; round < 3; round++) {
                int before = f.queue.queuedCount();
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder("/usr/sbin/smtp-source", "-s", "20", "-m", "20000", "-l", "2048", "-d",
                        "-f", "s@sender.test", "-t", "r@one.test", "127.0.0.1:" + f.port()).inheritIO().start();
                int rc = p.waitFor();
                double secs = (System.nanoTime() - t0) / 1e9;
                int n = f.queue.queuedCount() - before;
                System.out.printf("round %d rc=%d queued=%d in %.2fs = %.0f msg/s%n", round, rc, n, secs, n / secs);
            }
        }
    }
}

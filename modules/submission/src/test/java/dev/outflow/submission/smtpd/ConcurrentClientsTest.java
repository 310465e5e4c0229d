package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.submission.FakeOutboundQueue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fifty real clients at once (STARTTLS + AUTH): every one gets its own queued id. */
class ConcurrentClientsTest {
    @TempDir
    Path dir;

    @Test
    void fiftyConcurrentClientsAllGetTheirIds() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir); ExecutorService pool = Executors.newFixedThreadPool(50)) {
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i;
                replies.add(pool.submit(() -> JakartaMail.send(f.port(), SmtpFixture.USER, SmtpFixture.PASSWORD,
                        "alice@sender.test", List.of("r" + n + "@one.test", "r" + n + "@two.test"))));
            }
            Set<String> ids = new java.util.HashSet<>();
            for (Future<String> r : replies) {
                String reply = r.get(120, TimeUnit.SECONDS);
                assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
                ids.add(reply.substring("250 2.0.0 Ok: queued as ".length()));
            }

            assertThat(ids).hasSize(50);
            assertThat(f.queue.queued()).hasSize(50);
            assertThat(f.queue.queued().stream().map(FakeOutboundQueue.Queued::id).collect(Collectors.toSet())).isEqualTo(ids);
            assertThat(f.queue.queued()).allSatisfy(q -> assertThat(q.parts()).hasSize(2));
        }
    }
}

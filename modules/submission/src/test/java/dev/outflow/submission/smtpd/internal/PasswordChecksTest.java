package dev.outflow.submission.smtpd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Password checks run on the small pool, never on the caller's (connection) thread, and the pool is bounded. */
class PasswordChecksTest {
    @Test
    void checksRunOnThePoolAndAreRefusedWhenItIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        try (PasswordChecks checks = PasswordChecks.with((user, password) -> {
            ranOn.set(Thread.currentThread());
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return password.equals("right");
        }, 1, 1)) {
            CompletableFuture<PasswordChecks.Result> running = onVirtualThread(checks, "right");
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<PasswordChecks.Result> waiting = onVirtualThread(checks, "wrong");
            await().atMost(10, TimeUnit.SECONDS).until(() -> checks.queued() == 1);

            assertThat(checks.check("alice", "right")).as("thread and queue are full").isEqualTo(PasswordChecks.Result.BUSY);

            release.countDown();
            assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo(PasswordChecks.Result.OK);
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(PasswordChecks.Result.BAD);
            assertThat(ranOn.get().isVirtual()).isFalse();
            assertThat(ranOn.get().getName()).startsWith("smtpd-auth-");
        }
    }

    private static CompletableFuture<PasswordChecks.Result> onVirtualThread(PasswordChecks checks, String password) {
        CompletableFuture<PasswordChecks.Result> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(checks.check("alice", password));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }
}

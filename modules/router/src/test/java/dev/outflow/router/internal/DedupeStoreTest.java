package dev.outflow.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Pending vs committed ids, expiry by window, partitions dropped and restored. */
class DedupeStoreTest {
    private final DedupeStore store = new DedupeStore(1_000);

    @Test
    void pendingIdsCountUntilDiscarded() {
        store.add("a", 0, 100);
        assertThat(store.seen("a", 100)).isTrue();
        store.discardPending();
        assertThat(store.seen("a", 100)).isFalse();
        assertThat(store.size()).isZero();
    }

    @Test
    void committedIdsExpireAfterTheWindow() {
        store.add("a", 0, 100);
        store.add("b", 1, 600);
        store.commitPending();
        assertThat(store.size()).isEqualTo(2);
        assertThat(store.seen("a", 1_099)).isTrue();
        assertThat(store.seen("a", 1_100)).as("window is exclusive").isFalse();
        assertThat(store.expire(1_100)).isEqualTo(1);
        assertThat(store.seen("b", 1_100)).isTrue();
        assertThat(store.expire(1_600)).isEqualTo(1);
        assertThat(store.size()).isZero();
    }

    @Test
    void aRequeuedIdMovesToTheTailSoExpiryStaysInOrder() {
        store.add("a", 0, 0);
        store.commitPending();
        store.add("b", 0, 500);
        store.commitPending();
        store.add("a", 0, 1_200);   // queued again after its window
        store.commitPending();
        assertThat(store.expire(1_500)).as("b expires, a (1200) is live").isEqualTo(1);
        assertThat(store.seen("a", 1_500)).isTrue();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void restoreSkipsExpiredEntriesAndDropForgetsAPartition() {
        store.restore(2, "old", 0, 1_000);
        store.restore(2, "live", 500, 1_000);
        store.hold(3);
        assertThat(store.holds(2)).isTrue();
        assertThat(store.holds(3)).isTrue();
        assertThat(store.seen("old", 1_000)).isFalse();
        assertThat(store.seen("live", 1_000)).isTrue();
        store.drop(2);
        assertThat(store.holds(2)).isFalse();
        assertThat(store.seen("live", 1_000)).isFalse();
        assertThat(store.size()).isZero();
    }
}

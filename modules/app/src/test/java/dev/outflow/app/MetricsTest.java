package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link Metrics}' counters and gauges keep reporting after garbage collections. */
class MetricsTest {

    @Test
    void countersAndGaugesBackedByMethodReferencesSurviveGarbageCollection() {
        AtomicLong value = new AtomicLong();
        try (Metrics metrics = new Metrics()) {
            metrics.counter("outflow.test.count", "test", "a count", value::get);
            metrics.counter("outflow.test.tagged", "test", "a count with a label", value::get, "endpoint", "e1");
            metrics.gauge("outflow.test.level", "test", "a level", value::get);
            collectGarbage();
            value.set(7);
            assertThat(metrics.scrape()).contains("outflow_test_count_total{stage=\"test\"} 7.0")
                    .contains("outflow_test_tagged_total{endpoint=\"e1\",stage=\"test\"} 7.0")
                    .contains("outflow_test_level{stage=\"test\"} 7.0");
        }
    }

    /** Until an object only weakly reachable is gone: what happened to the meters' suppliers before the fix. */
    private static void collectGarbage() {
        WeakReference<Object> sentinel = new WeakReference<>(new Object());
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            System.gc();
            return sentinel.get() == null;
        });
    }
}

package dev.outflow.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A router keeps its Kafka Streams state in a folder named after its id; a second router started
 * on the same folder while the first runs is refused with a clear error instead of corrupting it.
 */
class StateFolderTest {

    @Test
    void aSecondRouterOnTheSameStateFolderFailsToStart() {
        try (RouterFixture f = new RouterFixture()) {
            SubmissionRouter first = f.start("same-folder");
            assertThat(first.stateDir().getFileName().toString()).isEqualTo("same-folder");

            assertThatThrownBy(() -> f.start("same-folder")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("router same-folder failed to start");

            // The first one is unaffected.
            f.send("k", RouterFixture.avro("folder-1", List.of("a@a.test")));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> first.accepted() == 1);
        }
    }
}

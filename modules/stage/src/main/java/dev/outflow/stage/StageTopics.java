package dev.outflow.stage;

import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;

/** The topic names of a configuration ({@code topic.prefix}, {@code scheduler.buckets}): the one place they are read. */
public final class StageTopics {
    private StageTopics() {
    }

    /** Topic names from {@code topic.prefix} and the delay buckets of {@code scheduler.buckets}. */
    public static Topics from(Config config) {
        return new Topics(config.get(OutflowKeys.TOPIC_PREFIX), config.get(OutflowKeys.SCHEDULER_BUCKETS));
    }
}

package dev.outflow.broker.internal;

import org.slf4j.LoggerFactory;

/**
 * Lowers Kafka's own loggers to WARN when Logback is the SLF4J binding and the application's
 * configuration left their level unset: the broker logs hundreds of INFO lines per start-up.
 * A level set in logback.xml always wins.
 */
public final class QuietKafkaLogging {
    private static final String[] KAFKA_LOGGERS = {"kafka", "org.apache.kafka", "state.change.logger"};

    private QuietKafkaLogging() {
    }

    public static void apply() {
        if (!LogbackPresent.PRESENT) {
            return;
        }
        try {
            LogbackLevels.warnIfUnset(KAFKA_LOGGERS);
        } catch (LinkageError | RuntimeException ignored) {
            // Another logging set-up: leave it as configured.
        }
    }

    private static final class LogbackPresent {
        static final boolean PRESENT = isPresent();

        private static boolean isPresent() {
            try {
                Class.forName("ch.qos.logback.classic.Logger", false, QuietKafkaLogging.class.getClassLoader());
                return LoggerFactory.getILoggerFactory().getClass().getName().startsWith("ch.qos.logback");
            } catch (ClassNotFoundException e) {
                return false;
            }
        }
    }

    /** Loaded only when Logback is present, so the broker works with any binding. */
    private static final class LogbackLevels {
        static void warnIfUnset(String[] names) {
            for (String name : names) {
                if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger
                        && logger.getLevel() == null) {
                    logger.setLevel(ch.qos.logback.classic.Level.WARN);
                }
            }
        }
    }
}

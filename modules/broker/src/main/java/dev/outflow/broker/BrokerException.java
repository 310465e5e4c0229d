package dev.outflow.broker;

/**
 * The embedded broker could not be formatted, started or stopped. The message names the data
 * directory or the listener involved; the cause carries Kafka's own exception.
 */
public final class BrokerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrokerException(String message, Throwable cause) {
        super(message, cause);
    }

    public BrokerException(String message) {
        super(message);
    }
}

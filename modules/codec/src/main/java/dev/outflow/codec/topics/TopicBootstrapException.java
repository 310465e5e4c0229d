package dev.outflow.codec.topics;

/** Topics could not be created or warmed; the message names the topic and the broker's error. */
public final class TopicBootstrapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TopicBootstrapException(String message, Throwable cause) {
        super(message, cause);
    }
}

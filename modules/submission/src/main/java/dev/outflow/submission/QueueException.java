package dev.outflow.submission;

/**
 * A message could not be queued durably: the broker is unreachable, did not acknowledge in time,
 * or refused the record. Retrying later may help unless {@link #tooLarge()}: then the broker will
 * never take the record (its topic's {@code max.message.bytes} is smaller than the message).
 */
public final class QueueException extends RuntimeException {
    private final boolean tooLarge;

    public QueueException(String message, Throwable cause) {
        this(false, message, cause);
    }

    public QueueException(boolean tooLarge, String message, Throwable cause) {
        super(message, cause);
        this.tooLarge = tooLarge;
    }

    /** True when the broker refused the record for its size: a permanent failure. */
    public boolean tooLarge() {
        return tooLarge;
    }
}

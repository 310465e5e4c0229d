package dev.outflow.submission;

/**
 * A message could not be queued durably: the broker is unreachable, did not acknowledge in time,
 * or refused the record. The message should be retried later; nothing about it was wrong.
 */
public final class QueueException extends RuntimeException {
    public QueueException(String message, Throwable cause) {
        super(message, cause);
    }
}

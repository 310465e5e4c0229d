package dev.outflow.codec;

/**
 * The schema registry could not be reached or refused a request (other than "schema id not
 * found", which is a {@link RecordDecodeException}). Usually transient: the record itself may be
 * fine, so do not send it to the DLQ; retry or stop.
 */
public final class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public SchemaRegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** HTTP status of the registry's answer, or -1 when there was none (network failure). */
    public int status() {
        return status;
    }
}

package dev.outflow.core.dkim;

/** A message that has a signing key but cannot be signed; the message says why. */
public final class DkimException extends Exception {
    public DkimException(String message) {
        super(message);
    }

    public DkimException(String message, Throwable cause) {
        super(message, cause);
    }
}

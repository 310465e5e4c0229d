package dev.outflow.reporting;

/** Reporting cannot answer now (starting, rebalancing, or another instance did not answer); try again. HTTP 503. */
public final class ReportingUnavailableException extends RuntimeException {
    public ReportingUnavailableException(String message) {
        super(message);
    }

    public ReportingUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
